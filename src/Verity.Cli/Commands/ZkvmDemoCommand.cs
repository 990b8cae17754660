using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Spectre.Console;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Vm;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;

namespace Verity.Cli.Commands;

/// <summary>
/// `verity demo`: the main job — proves a real guest run (the SHA-256 example, embedded in the CLI so no
/// toolchain is needed), verifies the receipt, shows that a forged journal is rejected.
/// </summary>
internal static class DemoCommand
{
    public const string DefaultText = "Verity proves RV32IM programs, segment by segment.";

    public static Command Create()
    {
        var text = new Option<string>("--input-text") { Description = "the message the guest hashes", DefaultValueFactory = _ => DefaultText };
        var po2 = new Option<int>("--po2") { Description = "segment size: at most 2^po2 cycles per segment (4..24)", DefaultValueFactory = _ => 12 };
        var paramsName = new Option<string>("--params") { Description = "parameter set (see `verity params`)", DefaultValueFactory = _ => StarkParameters.Default.Name };
        var cmd = new Command("demo", "Prove and verify a guest run: SHA-256 of a message in RV32IM, split into segments, as a composite receipt.");
        foreach (var o in new Option[] { text, po2, paramsName }) cmd.Options.Add(o);
        cmd.Subcommands.Add(StarkDemoCommand.Create());
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(text)!, r.GetValue(po2), r.GetValue(paramsName)!)));
        return cmd;
    }

    public static ProgramImage EmbeddedGuest()
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream("guest.sha256.elf")
            ?? throw new CliException("the embedded demo guest is missing from this build");
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ElfLoader.Load(ms.ToArray());
    }

    private static int Run(string text, int po2, string paramsName)
    {
        if (po2 is < 4 or > 24) throw new CliException($"--po2 must be in 4..24, got {po2}.");
        var parameters = StarkParameters.FromName(paramsName);
        var image = EmbeddedGuest();
        var input = Encoding.UTF8.GetBytes(text);
        AnsiConsole.MarkupLine($"[bold]Verity zkVM demo[/]: SHA-256 in RV32IM (guest/examples/sha256.c), parameters {Markup.Escape(parameters.ToString())}");

        var report = new ProvingReport();
        var sw = Stopwatch.StartNew();
        var receipt = ZkvmProver.Prove(image, input, new ZkvmProveOptions { SegmentPo2 = po2, Parameters = parameters }, report);
        double proveMs = sw.Elapsed.TotalMilliseconds;
        var bytes = ReceiptCodec.Serialize(receipt);
        var options = parameters.IsInsecure ? VerifierOptions.InsecureForTests : VerifierOptions.Default;
        sw.Restart();
        var verdict = ZkvmVerifier.Verify(bytes, image.ImageId, parameters, options);
        double verifyMs = sw.Elapsed.TotalMilliseconds;

        var forgedJournal = (byte[])receipt.Claim.Journal.Clone();
        forgedJournal[0] ^= 1;
        var forged = new Receipt
        {
            Claim = receipt.Claim with { Journal = forgedJournal },
            Image = receipt.Image, Input = receipt.Input, InputConsumed = receipt.InputConsumed, SegmentPo2 = receipt.SegmentPo2,
            Segments = receipt.Segments, SegmentProofs = receipt.SegmentProofs, MemoryProof = receipt.MemoryProof,
        };
        var forgedVerdict = ZkvmVerifier.Verify(forged, image.ImageId, parameters, options);
        bool matches = receipt.Claim.Journal.AsSpan().SequenceEqual(SHA256.HashData(input));

        var t = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
        t.AddRow("program", $"sha256 guest, image id {image.ImageId.ToHex()}");
        t.AddRow("input", Markup.Escape($"\"{text}\" ({input.Length} bytes)"));
        t.AddRow("run", $"{receipt.Cycles:N0} cycles in {receipt.Segments.Length} segment(s) of at most 2^{po2}, exit code {receipt.Claim.ExitCode}");
        t.AddRow("journal", $"{Convert.ToHexStringLower(receipt.Claim.Journal)}{(matches ? " (= SHA-256 of the input)" : " [red](differs from SHA-256!)[/]")}");
        t.AddRow("prove", $"{proveMs / 1000:F2} s ({receipt.Cycles / proveMs:F1} kHz)");
        t.AddRow("receipt", $"{bytes.Length:N0} bytes");
        t.AddRow("verify", $"{verifyMs:F0} ms — {(verdict.IsValid ? "[green]valid[/]" : "[red]" + Markup.Escape(verdict.ToString()) + "[/]")}");
        t.AddRow("forged journal", forgedVerdict.IsValid ? "[red]ACCEPTED[/]" : $"[green]rejected[/]: {Markup.Escape(forgedVerdict.Error ?? "")}");
        AnsiConsole.Write(t);
        return verdict.IsValid && !forgedVerdict.IsValid && matches ? 0 : 1;
    }
}
