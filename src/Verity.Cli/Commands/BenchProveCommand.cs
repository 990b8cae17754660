using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Verity.Bench;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Receipts;
using Verity.Vm;
using Verity.Zkvm.Verification;

namespace Verity.Cli.Commands;

/// <summary>`verity bench prove`: end-to-end proving speed of the loop guest at several segment sizes.</summary>
internal static class BenchProveCommand
{
    public static Command Create()
    {
        var elf = LoopGuest.ElfOption("guest to prove");
        var iterations = new Option<uint>("--iterations") { Description = "the loop guest's input: iteration count", DefaultValueFactory = _ => 50_000 };
        var po2s = new Option<string>("--po2") { Description = "comma-separated segment sizes to measure", DefaultValueFactory = _ => "18,20" };
        var paramsName = new Option<string>("--params") { Description = "parameter set (see `verity params`)", DefaultValueFactory = _ => StarkParameters.Default.Name };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("prove", "Benchmark the zkVM: prove and verify the loop guest; kHz, memory, receipt size, cells per cycle.");
        foreach (var o in new Option[] { elf, iterations, po2s, paramsName, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(elf), r.GetValue(iterations), r.GetValue(po2s)!, r.GetValue(paramsName)!, r.GetValue(json))));
        return cmd;
    }

    private static int Run(FileInfo? elf, uint iterations, string po2List, string paramsName, bool json)
    {
        var (elfBytes, elfName) = LoopGuest.Load(elf);
        ProgramImage image;
        try { image = ElfLoader.Load(elfBytes); }
        catch (ElfFormatException e) { throw new CliException($"{elfName}: {e.Message}"); }
        var parameters = StarkParameters.FromName(paramsName);
        int[] po2s;
        try { po2s = [.. po2List.Split(',').Select(s => int.Parse(s.Trim(), System.Globalization.CultureInfo.InvariantCulture))]; }
        catch (FormatException) { throw new CliException($"--po2 must be a comma-separated list of integers, got '{po2List}'."); }
        if (po2s.FirstOrDefault(p => !Verity.Zkvm.Proving.ZkvmProveOptions.IsSegmentPo2(p), -1) is var bad and not -1)
            throw new CliException($"--po2 values must be in {Verity.Zkvm.Proving.ZkvmProveOptions.SegmentPo2Range}, got {bad}.");
        var input = LoopGuest.Input(iterations);
        var verifierOptions = parameters.IsInsecure ? VerifierOptions.InsecureForTests : VerifierOptions.Default;
        var shapes = CircuitLayout.Describe(image);
        var runs = new List<object>();
        var rows = new List<string[]>();
        bool allValid = true;
        foreach (int po2 in po2s)
        {
            if (!json) AnsiConsole.MarkupLine($"[grey]proving {Markup.Escape(elfName)} ({iterations} iterations) at po2 {po2}…[/]");
            GC.Collect();
            var report = new ProvingReport();
            var sw = Stopwatch.StartNew();
            var receipt = ZkvmProver.Prove(image, input, new ZkvmProveOptions { SegmentPo2 = po2, Parameters = parameters }, report);
            double proveMs = sw.Elapsed.TotalMilliseconds;
            var bytes = ReceiptCodec.Serialize(receipt);
            sw.Restart();
            var verdict = ZkvmVerifier.Verify(bytes, image.ImageId, parameters, verifierOptions);
            double verifyMs = sw.Elapsed.TotalMilliseconds;
            allValid &= verdict.IsValid;
            double khz = receipt.Cycles / proveMs;
            long cells = report.CellsByTable.Values.Sum();
            var perTable = shapes.Select(s => new
            {
                table = s.Name,
                main_columns = s.MainColumns,
                preprocessed_columns = s.PreprocessedColumns,
                aux_extension_columns = s.AuxExtensionColumns,
                cells_per_row = s.CellsPerRow,
                rows = report.RowsByTable.GetValueOrDefault(s.Name),
                cells_per_cycle = (double)report.CellsByTable.GetValueOrDefault(s.Name) / receipt.Cycles,
            }).ToArray();
            runs.Add(new
            {
                po2,
                cycles = receipt.Cycles,
                segments = receipt.Segments.Length,
                prove_ms = proveMs,
                khz,
                execute_ms = report.ExecuteMs,
                commit_ms = report.CommitMs,
                witness_ms = report.WitnessMs,
                stark_ms = report.StarkMs,
                peak_managed_bytes = report.PeakSegmentBytes,
                peak_working_set_bytes = Process.GetCurrentProcess().PeakWorkingSet64,
                receipt_bytes = bytes.Length,
                verify_ms = verifyMs,
                valid = verdict.IsValid,
                cells_per_cycle = (double)cells / receipt.Cycles,
                tables = perTable,
            });
            rows.Add([$"{po2}", $"{receipt.Cycles:N0}", $"{receipt.Segments.Length}", $"{proveMs / 1000:F2} s", $"{khz:F1}",
                $"{report.PeakSegmentBytes / (1 << 20):N0} MiB", $"{bytes.Length / 1024.0:F0} KiB", $"{verifyMs:F0} ms", $"{(double)cells / receipt.Cycles:F1}",
                verdict.IsValid ? "[green]valid[/]" : $"[red]{Markup.Escape(verdict.Error ?? "")}[/]"]);
        }
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { machine = StarkBenchmark.MachineDescription(), elf = elfName, iterations, parameters = parameters.Name, runs }));
            return allValid ? 0 : 1;
        }
        var t = new Table().Border(TableBorder.Rounded);
        foreach (var h in new[] { "po2", "cycles", "segments", "prove", "kHz", "peak heap", "receipt", "verify", "cells/cycle", "verdict" }) t.AddColumn(h);
        foreach (var r in rows) t.AddRow(r);
        AnsiConsole.MarkupLine(Markup.Escape(StarkBenchmark.MachineDescription()));
        AnsiConsole.Write(t);
        var s2 = new Table().Border(TableBorder.Rounded);
        foreach (var h in new[] { "table", "main", "preprocessed", "aux (ext)", "cells/row" }) s2.AddColumn(h);
        foreach (var s in shapes) s2.AddRow(s.Name, $"{s.MainColumns}", $"{s.PreprocessedColumns}", $"{s.AuxExtensionColumns}", $"{s.CellsPerRow}");
        AnsiConsole.Write(s2);
        return allValid ? 0 : 1;
    }
}
