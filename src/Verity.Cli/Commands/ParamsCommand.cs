using System.CommandLine;
using Spectre.Console;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Security;

namespace Verity.Cli.Commands;

/// <summary>`verity params`: the named parameter sets and their security for a typical statement shape.</summary>
internal static class ParamsCommand
{
    public static Command Create()
    {
        var logRows = new Option<int>("--log-rows") { Description = "log2 of the trace height to evaluate security for", DefaultValueFactory = _ => 20 };
        var cmd = new Command("params", "List the named STARK parameter sets with their conjectured and provable security.");
        cmd.Options.Add(logRows);
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            var t = new Table().Border(TableBorder.Rounded).AddColumns("name", "blowup", "queries", "grinding", "FRI arity", "hash", "conjectured", "provable");
            foreach (var p in StarkParameters.Named)
            {
                var s = SecurityCalculator.Compute(new SecurityInputs(64, 3, p.Blowup, p.Queries, p.GrindingBits, r.GetValue(logRows), 100, 100, 3, p.FriFoldingArity, p.FriRemainderMaxDegree));
                t.AddRow(p.IsInsecure ? $"{p.Name} [red](tests only)[/]" : p.Name, $"{p.Blowup}", $"{p.Queries}", $"{p.GrindingBits}", $"{p.FriFoldingArity}", p.Hash.Name, $"{s.ConjecturedBits:F0}", $"{s.ProvableBits:F0}");
            }
            AnsiConsole.Write(t);
            AnsiConsole.MarkupLine($"[grey]Security for 2^{r.GetValue(logRows)} rows, 100 constraints, 100 committed polynomials, degree 3.[/]");
            return 0;
        }));
        return cmd;
    }
}
