using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Spectre.Console;
using Verity.Cluster.Client;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Vm;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;

namespace Verity.Cli.Commands;

/// <summary>
/// `verity demo`: the main job — starts a proving node on embedded defaults, submits a real guest run (the SHA-256
/// example, embedded in the CLI so no toolchain is needed) through its REST API, waits while the node's agent proves
/// it task by task, downloads the receipt, verifies it offline and shows that a forged journal is rejected.
/// </summary>
internal static class DemoCommand
{
    public const string DefaultText = "Verity proves RV32IM programs, segment by segment.";

    public static Command Create()
    {
        var text = new Option<string>("--input-text") { Description = "the message the guest hashes", DefaultValueFactory = _ => DefaultText };
        var po2 = SegmentPo2Option.Create(12);
        var paramsName = new Option<string>("--params") { Description = "parameter set (see `verity params`)", DefaultValueFactory = _ => StarkParameters.Default.Name };
        var cmd = new Command("demo", "Start a node on embedded defaults and prove a guest run through it (SHA-256 in RV32IM), then verify the receipt.");
        foreach (var o in new Option[] { text, po2, paramsName }) cmd.Options.Add(o);
        cmd.Subcommands.Add(StarkDemoCommand.Create());
        cmd.SetAction((r, ct) => CliErrors.RunAsync(() => RunAsync(r.GetValue(text)!, r.GetValue(po2), r.GetValue(paramsName)!, ct)));
        return cmd;
    }

    public static ProgramImage EmbeddedGuest() => ElfLoader.Load(EmbeddedGuestBytes());

    public static byte[] EmbeddedGuestBytes() => Verity.Guests.ExampleGuests.Sha256;

    private static async Task<int> RunAsync(string text, int po2, string paramsName, CancellationToken ct)
    {
        SegmentPo2Option.Check(po2);
        var parameters = StarkParameters.FromName(paramsName);
        byte[] elf = EmbeddedGuestBytes();
        var image = ElfLoader.Load(elf);
        var input = Encoding.UTF8.GetBytes(text);
        AnsiConsole.MarkupLine($"[bold]Verity demo[/]: a proving node on embedded defaults proves SHA-256 in RV32IM (guest/examples/sha256.c), parameters {Markup.Escape(parameters.ToString())}");
        AnsiConsole.MarkupLine("[grey]starting a node: SQLite task store and filesystem blobs in a temporary data dir, one in-process agent, REST API on a loopback port…[/]");
        await using var node = await EmbeddedNode.StartTemporaryAsync(agents: 1, log: _ => { }, ct);
        using var client = new NodeClient(node.BaseAddress, node.ApiKey);

        // The client's side, as any requestor would do it over the REST API.
        var sw = Stopwatch.StartNew();
        var uploaded = await client.UploadImageAsync(elf, ct);
        var inputId = await client.UploadInputAsync(input, ct);
        var created = await client.CreateJobAsync(new CreateJobRequest
        {
            ImageId = uploaded.ImageId, InputId = inputId.InputId, SegmentPo2 = po2, Parameters = parameters.Name,
        }, ct);
        AnsiConsole.MarkupLine(Markup.Escape($"node {node.BaseAddress}: job {created.JobId} created"));
        var final = await JobProgressBar.WaitAsync(client, created.JobId, show: true, TimeSpan.FromMilliseconds(200), observer: null, ct);
        if (final.State != JobState.Succeeded)
            throw new CliFailureException($"job {created.JobId} {final.State.Name()}" + (final.Error != null ? $": {final.Error}" : ""));
        var bytes = await client.GetReceiptAsync(created.JobId, ct);
        double proveMs = sw.Elapsed.TotalMilliseconds;

        // The verifier's side: offline, from the receipt bytes and the program alone.
        var options = parameters.IsInsecure ? VerifierOptions.InsecureForTests : VerifierOptions.Default;
        sw.Restart();
        var verdict = ZkvmVerifier.Verify(bytes, image.ImageId, parameters, options);
        double verifyMs = sw.Elapsed.TotalMilliseconds;
        var receipt = ReceiptCodec.Deserialize(bytes);
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
        t.AddRow("node", Markup.Escape($"{node.BaseAddress} (embedded: SQLite, filesystem blobs, 1 agent)"));
        t.AddRow("program", $"sha256 guest, image id {image.ImageId.ToHex()}");
        t.AddRow("input", Markup.Escape($"\"{text}\" ({input.Length} bytes)"));
        t.AddRow("run", $"{final.Cycles:N0} cycles in {final.Segments} segment(s) of at most 2^{po2}, exit code {final.ExitCode}");
        t.AddRow("tasks", Markup.Escape(string.Join(", ", final.Tasks.Select(kv => $"{kv.Key} {kv.Value.Done}/{kv.Value.Total}"))));
        t.AddRow("journal", $"{Convert.ToHexStringLower(receipt.Claim.Journal)}{(matches ? " (= SHA-256 of the input)" : " [red](differs from SHA-256!)[/]")}");
        t.AddRow("submit → receipt", $"{proveMs / 1000:F2} s ({(final.Cycles ?? 0) / proveMs:F1} kHz)");
        t.AddRow("receipt", $"{bytes.Length:N0} bytes");
        t.AddRow("verify", $"{verifyMs:F0} ms — {(verdict.IsValid ? "[green]valid[/]" : "[red]" + Markup.Escape(verdict.ToString()) + "[/]")}");
        t.AddRow("forged journal", forgedVerdict.IsValid ? "[red]ACCEPTED[/]" : $"[green]rejected[/]: {Markup.Escape(forgedVerdict.Error ?? "")}");
        AnsiConsole.Write(t);
        return verdict.IsValid && !forgedVerdict.IsValid && matches ? 0 : 1;
    }
}
