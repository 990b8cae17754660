using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Verity.Stark.Air.Parameters;
using Verity.Vm;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Receipts;

namespace Verity.Cli.Commands;

/// <summary>`verity prove`: proves a guest run and writes a composite receipt.</summary>
internal static class ProveCommand
{
    public static Command Create()
    {
        var elf = new Argument<FileInfo>("elf") { Description = "guest program: a static RV32IM ELF executable" };
        var inputOptions = new GuestInputOptions();
        var po2 = SegmentPo2Option.Create();
        var parameters = new Option<string>("--params") { Description = "STARK parameter set (see `verity params`)", DefaultValueFactory = _ => StarkParameters.Default.Name };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "receipt file (default: <elf>.receipt next to the ELF)" };
        var maxCycles = new Option<long>("--max-cycles") { Description = "stop with an error after this many cycles", DefaultValueFactory = _ => 1L << 32 };
        var json = new Option<bool>("--json") { Description = "print one JSON object (no progress display)" };
        var maxImage = ImageLimitOption.Create();
        var cmd = new Command("prove", "Prove a guest run: execute, commit the segment boundaries, prove every segment, write a receipt.");
        cmd.Arguments.Add(elf);
        inputOptions.AddTo(cmd);
        foreach (var o in new Option[] { po2, parameters, output, maxCycles, maxImage, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            var input = inputOptions.Read(r);
            return Run(r.GetValue(elf)!, input, r.GetValue(po2), r.GetValue(parameters)!, r.GetValue(output), r.GetValue(maxCycles), r.GetValue(maxImage), r.GetValue(json));
        }));
        return cmd;
    }

    private static int Run(FileInfo elfFile, byte[] input, int po2, string paramsName, FileInfo? output, long maxCycles, long maxImageBytes, bool json)
    {
        SegmentPo2Option.Check(po2);
        if (maxCycles < 1 || maxCycles >= 1L << 38) throw new CliException($"--max-cycles must be in 1..2^38, got {maxCycles}.");
        var parameters = StarkParameters.FromName(paramsName);
        var image = ImageLimitOption.Load(elfFile, maxImageBytes);
        var receiptFile = output ?? new FileInfo(elfFile.FullName + ".receipt");
        if (parameters.IsInsecure && !json) Console.Error.WriteLine($"warning: parameter set '{parameters.Name}' is insecure; verifiers refuse it by default.");

        var options = new ZkvmProveOptions { SegmentPo2 = po2, Parameters = parameters, MaxCycles = maxCycles };
        // Refuse a segment size whose proofs the default verifier would reject, before running anything.
        ReceiptSecurity.EnsureProvable(image, options);

        var report = new ProvingReport();
        var sw = Stopwatch.StartNew();
        Receipt receipt;
        try
        {
            receipt = json || Console.IsOutputRedirected
                ? ZkvmProver.Prove(image, input, options, report)
                : ProveWithProgress(image, input, options, report);
        }
        catch (ExecutionException e) { throw new CliException($"execution failed: {e.Message}"); }
        double ms = sw.Elapsed.TotalMilliseconds;
        var bytes = ReceiptCodec.Serialize(receipt);
        File.WriteAllBytes(receiptFile.FullName, bytes);
        double khz = receipt.Cycles / ms;
        var security = ReceiptSecurity.ForReceipt(receipt, parameters);

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                image_id = image.ImageId.ToHex(),
                cycles = receipt.Cycles,
                segments = receipt.Segments.Length,
                journal_hex = Convert.ToHexStringLower(receipt.Claim.Journal),
                exit_code = receipt.Claim.ExitCode,
                prove_ms = ms,
                khz,
                receipt_bytes = bytes.Length,
                receipt = receiptFile.FullName,
                parameters = parameters.Name,
                po2,
                execute_ms = report.ExecuteMs,
                commit_ms = report.CommitMs,
                witness_ms = report.WitnessMs,
                stark_ms = report.StarkMs,
                provable_bits = security.ProofBits,
                receipt_bits = security.TotalBits,
            }));
            return 0;
        }
        var t = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
        t.AddRow("program", Markup.Escape($"{elfFile.Name} (image id {image.ImageId.ToHex()})"));
        t.AddRow("exit code", $"{receipt.Claim.ExitCode}");
        t.AddRow("cycles", $"{receipt.Cycles:N0} in {receipt.Segments.Length} segment(s) of at most 2^{po2}");
        t.AddRow("journal", Markup.Escape(JournalText.Describe(receipt.Claim.Journal)));
        t.AddRow("proving time", $"{ms / 1000:F2} s ({khz:F1} kHz): execute {report.ExecuteMs:F0} ms, commit {report.CommitMs:F0} ms, witness {report.WitnessMs:F0} ms, STARK {report.StarkMs:F0} ms");
        t.AddRow("receipt", Markup.Escape($"{receiptFile.FullName} ({bytes.Length:N0} bytes, parameters '{parameters.Name}')"));
        t.AddRow("security", Markup.Escape($"segment proofs ≥ {security.Segment.ProvableBits:F0} provable bits (segment {security.WeakestSegment}, " +
            $"{security.Segment.DescribeWeakestTable()}), memory proof {security.Memory.ProvableBits:F0}; receipt {security.TotalBits:F0} bits " +
            $"(union bound over the {receipt.Segments.Length} + 1 proofs and the global buses)"));
        AnsiConsole.Write(t);
        return 0;
    }

    private static Receipt ProveWithProgress(ProgramImage image, byte[] input, ZkvmProveOptions options, ProvingReport report)
    {
        Receipt? receipt = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var phase1 = ctx.AddTask("execute + commit", maxValue: 2);
                ProgressTask? segments = null, memory = null;
                var progress = new SynchronousProgress<ProvingProgress>(p =>
                {
                    switch (p.Phase)
                    {
                        case "execute": phase1.Value = 0; break;
                        case "commit": phase1.Value = 1; segments = ctx.AddTask($"prove {p.Segments} segment(s)", maxValue: Math.Max(1, p.Segments)); break;
                        case "segment": phase1.Value = 2; segments!.Description = $"prove segment {p.Segment + 1}/{p.Segments}"; segments.Value = p.Segment; break;
                        case "memory": segments!.Value = p.Segments; memory = ctx.AddTask("prove memory", maxValue: 1); break;
                    }
                });
                receipt = ZkvmProver.Prove(image, input, options with { Progress = progress }, report);
                if (memory != null) memory.Value = 1;
            });
        return receipt!;
    }

    /// <summary>Loads an ELF up to the format's image limit: for commands that only name a program (its image id), not run it.</summary>
    internal static ProgramImage LoadImage(FileInfo elfFile) => ImageLimitOption.Load(elfFile, ElfLoader.MaxImageBytes);

    /// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
