using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Verity.Crypto;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Zkvm.Verification;

namespace Verity.Cli.Commands;

/// <summary>`verity verify`: checks a receipt against an expected program and prints its journal.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var receipt = new Argument<FileInfo>("receipt") { Description = "receipt file written by `verity prove`" };
        var elf = new Option<FileInfo?>("--elf") { Description = "the expected program (its image id is computed)" };
        var imageId = new Option<string?>("--image-id") { Description = "the expected image id (64 hex digits)" };
        var parameters = new Option<string>("--params") { Description = "STARK parameter set the verifier accepts", DefaultValueFactory = _ => StarkParameters.Default.Name };
        var allowInsecure = new Option<bool>("--allow-insecure") { Description = "accept an insecure parameter set (testing only)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("verify", "Verify a receipt: exit 0 and print the journal when valid, non-zero with the reason otherwise.");
        cmd.Arguments.Add(receipt);
        foreach (var o in new Option[] { elf, imageId, parameters, allowInsecure, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CliErrors.Run(() =>
            Run(r.GetValue(receipt)!, r.GetValue(elf), r.GetValue(imageId), r.GetValue(parameters)!, r.GetValue(allowInsecure), r.GetValue(json))));
        return cmd;
    }

    private static int Run(FileInfo receiptFile, FileInfo? elf, string? imageIdHex, string paramsName, bool allowInsecure, bool json)
    {
        if ((elf == null) == (imageIdHex == null)) throw new CliException("Give exactly one of --elf and --image-id.");
        var expected = elf != null ? ProveCommand.LoadImage(elf).ImageId : ParseImageId(imageIdHex!);
        var parameters = StarkParameters.FromName(paramsName);
        if (!receiptFile.Exists) throw new CliException($"Receipt file '{receiptFile.FullName}' does not exist.");
        var bytes = File.ReadAllBytes(receiptFile.FullName);
        var sw = Stopwatch.StartNew();
        var result = ZkvmVerifier.Verify(bytes, expected, parameters, allowInsecure ? VerifierOptions.InsecureForTests : VerifierOptions.Default);
        double ms = sw.Elapsed.TotalMilliseconds;
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                valid = result.IsValid,
                journal_hex = result.Claim is { } c ? Convert.ToHexStringLower(c.Journal) : null,
                exit_code = result.Claim?.ExitCode,
                image_id = expected.ToHex(),
                error = result.Error,
                verify_ms = ms,
            }));
            return result.IsValid ? 0 : 1;
        }
        if (!result.IsValid)
        {
            Console.Error.WriteLine($"rejected: {result.Error}");
            return 1;
        }
        var t = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
        t.AddRow("verdict", "[green]valid[/]");
        t.AddRow("image id", expected.ToHex());
        t.AddRow("exit code", $"{result.Claim!.ExitCode}");
        t.AddRow("journal", Markup.Escape(JournalText.Describe(result.Claim.Journal)));
        t.AddRow("time", $"{ms:F1} ms (parameters '{parameters.Name}')");
        AnsiConsole.Write(t);
        return 0;
    }

    internal static Digest ParseImageId(string hex)
    {
        var h = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
        if (h.Length != 64) throw new CliException($"--image-id needs 64 hex digits (32 bytes), got {h.Length}.");
        try { return Digest.Read(Convert.FromHexString(h)); }
        catch (FormatException) { throw new CliException($"--image-id is not valid hex: '{hex}'."); }
    }
}

/// <summary>How the CLI shows a journal: hex, and the text too when it is printable.</summary>
internal static class JournalText
{
    public static string Describe(byte[] journal)
    {
        if (journal.Length == 0) return "(empty)";
        string hex = Convert.ToHexStringLower(journal.Length > 256 ? journal[..256] : journal) + (journal.Length > 256 ? "…" : "");
        bool printable = journal.All(b => b is >= 0x20 and < 0x7f or (byte)'\n' or (byte)'\r' or (byte)'\t');
        return printable ? $"{hex}\n\"{Encoding.ASCII.GetString(journal)}\"" : hex;
    }
}

/// <summary>`verity image-id`: prints a program's image id.</summary>
internal static class ImageIdCommand
{
    public static Command Create()
    {
        var elf = new Argument<FileInfo>("elf") { Description = "guest program: a static RV32IM ELF executable" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("image-id", "Print the image id of a program (what receipts are verified against).");
        cmd.Arguments.Add(elf);
        cmd.Options.Add(json);
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            var image = ProveCommand.LoadImage(r.GetValue(elf)!);
            Console.WriteLine(r.GetValue(json) ? JsonSerializer.Serialize(new { image_id = image.ImageId.ToHex(), entry_pc = image.EntryPc }) : image.ImageId.ToHex());
            return 0;
        }));
        return cmd;
    }
}
