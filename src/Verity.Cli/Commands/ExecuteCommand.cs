using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Verity.Vm;

namespace Verity.Cli.Commands;

/// <summary>`verity execute`: runs a guest ELF (preflight, no proof) and reports what it did.</summary>
internal static class ExecuteCommand
{
    public static Command Create()
    {
        var elf = new Argument<FileInfo>("elf") { Description = "guest program: a static RV32IM ELF executable" };
        var inputOptions = new GuestInputOptions();
        var po2 = SegmentPo2Option.Create();
        var maxCycles = new Option<long>("--max-cycles") { Description = "stop with an error after this many cycles", DefaultValueFactory = _ => 1L << 32 };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var maxImage = ImageLimitOption.Create();
        var cmd = new Command("execute", "Run a guest program without proving it: exit code, cycles, segments, journal, speed.");
        cmd.Arguments.Add(elf);
        inputOptions.AddTo(cmd);
        foreach (var o in new Option[] { po2, maxCycles, maxImage, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            var input = inputOptions.Read(r);
            return Run(r.GetValue(elf)!, input, r.GetValue(po2), r.GetValue(maxCycles), r.GetValue(maxImage), r.GetValue(json));
        }));
        return cmd;
    }

    private static int Run(FileInfo elfFile, byte[] input, int po2, long maxCycles, long maxImageBytes, bool json)
    {
        SegmentPo2Option.Check(po2);
        if (maxCycles < 1) throw new CliException($"--max-cycles must be positive, got {maxCycles}.");
        var image = ImageLimitOption.Load(elfFile, maxImageBytes);

        var sw = Stopwatch.StartNew();
        ExecutionResult result;
        try { result = Executor.Run(image, input, new ExecutionOptions { SegmentPo2 = po2, MaxCycles = maxCycles }); }
        catch (ExecutionException e) { throw new CliException($"execution failed: {e.Message}"); }
        double ms = sw.Elapsed.TotalMilliseconds;
        double mhz = result.Cycles / (ms * 1000);

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                exit_code = result.ExitCode,
                cycles = result.Cycles,
                segments = result.Segments.Count,
                journal_hex = Convert.ToHexStringLower(result.Journal),
                elapsed_ms = ms,
                mhz,
                image_id = image.ImageId.ToHex(),
            }));
            return 0;
        }
        var t = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
        t.AddRow("program", Markup.Escape($"{elfFile.Name} (image id {image.ImageId.ToHex()})"));
        t.AddRow("exit code", $"{result.ExitCode}");
        t.AddRow("cycles", $"{result.Cycles:N0}");
        t.AddRow("segments", $"{result.Segments.Count} (at most 2^{po2} cycles each)");
        t.AddRow("journal", Markup.Escape(JournalText.Describe(result.Journal)));
        t.AddRow("time", $"{ms:F1} ms ({mhz:F1} MHz)");
        AnsiConsole.Write(t);
        if (result.Log.Length > 0) Console.Error.Write(Encoding.UTF8.GetString(result.Log));
        return 0;
    }
}

/// <summary>The input options every command that runs a guest takes: --input-file, --input-hex, --input-text.</summary>
internal sealed class GuestInputOptions
{
    public Option<FileInfo?> File { get; } = new("--input-file") { Description = "private input: the bytes of this file" };
    public Option<string?> Hex { get; } = new("--input-hex") { Description = "private input as hex bytes" };
    public Option<string?> Text { get; } = new("--input-text") { Description = "private input as UTF-8 text" };

    public void AddTo(Command command)
    {
        command.Options.Add(File);
        command.Options.Add(Hex);
        command.Options.Add(Text);
    }

    /// <summary>The input the parsed options give (empty when none is given).</summary>
    public byte[] Read(ParseResult r) => GuestInput.Read(r.GetValue(File), r.GetValue(Hex), r.GetValue(Text));
}

/// <summary>Reads a guest's private input from exactly one of the input options.</summary>
internal static class GuestInput
{
    public static byte[] Read(FileInfo? file, string? hex, string? text)
    {
        int given = (file != null ? 1 : 0) + (hex != null ? 1 : 0) + (text != null ? 1 : 0);
        if (given > 1) throw new CliException("Give at most one of --input-file, --input-hex, --input-text.");
        if (file != null)
        {
            if (!file.Exists) throw new CliException($"Input file '{file.FullName}' does not exist.");
            return File.ReadAllBytes(file.FullName);
        }
        if (hex != null)
        {
            var h = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
            try { return Convert.FromHexString(h); }
            catch (FormatException) { throw new CliException($"--input-hex is not valid hex: '{hex}'."); }
        }
        return text != null ? Encoding.UTF8.GetBytes(text) : [];
    }
}
