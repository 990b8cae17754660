using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Air.Security;
using Verity.Stark.Examples;
using Verity.Stark.Prover;
using Verity.Stark.Verifier;

namespace Verity.Cli.Commands;

/// <summary>`verity demo stark`: proves and verifies the engine's example statements, reporting time and security.</summary>
internal static class StarkDemoCommand
{
    public static Command Create()
    {
        var logRows = new Option<int>("--log-rows") { Description = "log2 of the Fibonacci trace length", DefaultValueFactory = _ => 16 };
        var paramsName = new Option<string>("--params") { Description = "parameter set (see `verity params`)", DefaultValueFactory = _ => StarkParameters.Default.Name };
        var cmd = new Command("stark", "Prove and verify the STARK engine's example statements (Fibonacci; a two-table LogUp range check).");
        cmd.Options.Add(logRows);
        cmd.Options.Add(paramsName);
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(logRows), r.GetValue(paramsName)!)));
        return cmd;
    }

    private static int Run(int logRows, string paramsName)
    {
        if (logRows is < 3 or > 24) throw new CliException($"--log-rows must be in 3..24, got {logRows}.");
        var parameters = StarkParameters.FromName(paramsName);
        AnsiConsole.MarkupLine($"[bold]Verity STARK demo[/] — parameters: {Markup.Escape(parameters.ToString())}");
        bool allValid = true;
        foreach (var statement in new[] { FibonacciAir.Create(logRows), RangeCheckAir.CreateRandom(System.Math.Max(3, logRows - 2), seed: 42) })
            allValid &= ProveAndVerify(statement, parameters);
        return allValid ? 0 : 1;
    }

    private static bool ProveAndVerify(ExampleStatement s, StarkParameters parameters)
    {
        var sw = Stopwatch.StartNew();
        var proof = StarkProver.Prove(s.Air, s.Traces, s.PublicInputs, parameters);
        double proveMs = sw.Elapsed.TotalMilliseconds;
        var bytes = ProofCodec.Serialize(proof);
        sw.Restart();
        var options = parameters.IsInsecure ? VerifierOptions.InsecureForTests : VerifierOptions.Default;
        var result = StarkVerifier.Verify(s.Air, s.PublicInputs, bytes, parameters, options);
        double verifyMs = sw.Elapsed.TotalMilliseconds;
        var security = StatementSecurity.Compute(s.Air, parameters, proof.Tables.Select(t => t.LogHeight).ToArray());

        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
        table.AddRow("statement", Markup.Escape($"AIR '{s.Air.Name}': {s.Description}"));
        table.AddRow("tables", Markup.Escape(string.Join(", ", s.Air.Tables.Select((t, i) => $"{t.Name} 2^{proof.Tables[i].LogHeight}×{t.MainWidth}"))));
        table.AddRow("prove", $"{proveMs:F0} ms ({s.Cells / (proveMs / 1000):N0} cells/s)");
        table.AddRow("verify", $"{verifyMs:F1} ms — {(result.IsValid ? "[green]valid[/]" : "[red]" + Markup.Escape(result.ToString()) + "[/]")}");
        table.AddRow("proof size", $"{bytes.Length:N0} bytes");
        table.AddRow("security", $"{security.ProvableBits:F0} provable bits, {security.ConjecturedBits:F0} conjectured bits");
        AnsiConsole.Write(table);
        return result.IsValid;
    }
}
