using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Verity.Bench;
using Verity.Stark.Air.Parameters;

namespace Verity.Cli.Commands;

/// <summary>`verity bench stark`: primitive throughput and end-to-end proving of the synthetic statement.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var logRows = new Option<int>("--log-rows") { Description = "log2 of the trace height", DefaultValueFactory = _ => 18 };
        var width = new Option<int>("--width") { Description = "number of main columns", DefaultValueFactory = _ => 64 };
        var paramsName = new Option<string>("--params") { Description = "parameter set (see `verity params`)", DefaultValueFactory = _ => StarkParameters.Default.Name };
        var json = new Option<bool>("--json") { Description = "print one JSON object instead of tables" };
        var stark = new Command("stark", "Benchmark the STARK engine: field, NTT, hashing, then prove and verify a degree-3 statement.");
        stark.Options.Add(logRows);
        stark.Options.Add(width);
        stark.Options.Add(paramsName);
        stark.Options.Add(json);
        stark.SetAction(r => CliErrors.Run(() => Run(r.GetValue(logRows), r.GetValue(width), r.GetValue(paramsName)!, r.GetValue(json))));
        var bench = new Command("bench", "Benchmarks that tell an operator the machine's real capacity: `bench -c N` proves through a node; stark, execute and prove measure this machine.");
        bench.Subcommands.Add(stark);
        bench.Subcommands.Add(CreateExecute());
        bench.Subcommands.Add(BenchProveCommand.Create());
        bench.Subcommands.Add(ClaimsBenchCommand.Create());
        bench.Subcommands.Add(Soak.SoakCommand.Create());
        bench.Subcommands.Add(Market.BenchMarketCommand.Create());
        bench.Subcommands.Add(Market.BenchBrokerCommand.Create());
        bench.Subcommands.Add(Broker.BenchRequestsCommand.Create());
        bench.Subcommands.Add(Aztec.AztecBenchCommand.Create());
        ClusterBenchCommand.AddTo(bench);
        return bench;
    }

    private static Command CreateExecute()
    {
        var elf = LoopGuest.ElfOption("guest to run");
        var iterations = new Option<uint>("--iterations") { Description = "the loop guest's input: iteration count (u32, little-endian)", DefaultValueFactory = _ => 2_000_000 };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("execute", "Benchmark the RV32IM executor: preflight and trace-recording speed on the loop guest.");
        cmd.Options.Add(elf);
        cmd.Options.Add(iterations);
        cmd.Options.Add(json);
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            var (elfBytes, elfName) = LoopGuest.Load(r.GetValue(elf));
            Vm.ProgramImage image;
            try { image = Vm.ElfLoader.Load(elfBytes); }
            catch (Vm.ElfFormatException e) { throw new CliException($"{elfName}: {e.Message}"); }
            var input = LoopGuest.Input(r.GetValue(iterations));
            long cycles = Vm.Executor.Run(image, input).Cycles;
            double preflight = Vm.VmBenchmarks.PreflightMhz(image, input);
            double trace = Vm.VmBenchmarks.TraceMhz(image, input);
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { machine = StarkBenchmark.MachineDescription(), elf = elfName, cycles, preflight_mhz = preflight, trace_mhz = trace }));
                return 0;
            }
            var t = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
            t.AddRow("machine", Markup.Escape(StarkBenchmark.MachineDescription()));
            t.AddRow("guest", Markup.Escape($"{elfName}, {cycles:N0} cycles"));
            t.AddRow("[bold]preflight[/]", $"{preflight:F1} MHz");
            t.AddRow("trace recording", $"{trace:F1} MHz");
            AnsiConsole.Write(t);
            return 0;
        }));
        return cmd;
    }

    private static int Run(int logRows, int width, string paramsName, bool json)
    {
        if (logRows is < 3 or > 24) throw new CliException($"--log-rows must be in 3..24, got {logRows}.");
        if (width is < 1 or > 4096) throw new CliException($"--width must be in 1..4096, got {width}.");
        var parameters = StarkParameters.FromName(paramsName);
        var result = StarkBenchmark.Run(logRows, width, parameters, progress: json ? null : m => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}…[/]"));
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false }));
            return result.Verified ? 0 : 1;
        }
        var t = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        t.AddRow("machine", Markup.Escape(result.Machine));
        t.AddRow("parameters", Markup.Escape(result.Parameters));
        t.AddRow("Goldilocks mul / s / core", $"{result.FieldMulPerSecondPerCore / 1e6:F0} M");
        t.AddRow("NTT 2^20, one core", $"{result.Ntt20SingleCoreMs:F1} ms ({result.NttElementsPerSecond / 1e6:F1} M elements/s)");
        t.AddRow("Merkle leaf hashing / core", $"{result.MerkleLeafBytesPerSecondPerCore / 1e9:F2} GB/s");
        t.AddRow("statement", $"2^{result.LogRows} rows × {result.Width} columns, degree 3");
        foreach (var (phase, ms) in result.PhasesMs) t.AddRow($"  {phase}", $"{ms:F0} ms");
        t.AddRow("[bold]prove[/]", $"{result.ProveMs:F0} ms");
        t.AddRow("prove, buffers reused", $"{result.ProveMsReusedBuffers:F0} ms ({result.Cells / (result.ProveMsReusedBuffers / 1000) / 1e6:F2} M cells/s)");
        t.AddRow("[bold]cells proved / s[/]", $"{result.CellsPerSecond / 1e6:F2} M");
        t.AddRow("proof size", $"{result.ProofBytes / 1024.0:F1} KiB");
        t.AddRow("verify", $"{result.VerifyMs:F1} ms — {(result.Verified ? "[green]valid[/]" : "[red]REJECTED[/]")}");
        t.AddRow("security", $"{result.ProvableBits:F0} provable / {result.ConjecturedBits:F0} conjectured bits");
        AnsiConsole.Write(t);
        return result.Verified ? 0 : 1;
    }
}
