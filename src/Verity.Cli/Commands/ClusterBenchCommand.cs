using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Verity.Bench;
using Verity.Cluster.Client;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Stark.Air.Parameters;

namespace Verity.Cli.Commands;

/// <summary>
/// `verity bench -c N` (like Bento's <c>bento_cli -c N</c>): proves the loop guest with N iterations through a node —
/// the one at --node, or a throwaway embedded node — and reports the cluster's real throughput: cycles, segments,
/// wall time from job creation to success, and effective kHz.
/// </summary>
internal static class ClusterBenchCommand
{
    /// <summary>Adds -c and its options to the <c>bench</c> command, whose subcommands stay as they are.</summary>
    public static void AddTo(Command bench)
    {
        var iterations = new Option<uint?>("--iterations", "-c") { Description = "prove the loop guest with this many iterations (about 18 cycles each) through a node" };
        var elf = LoopGuest.ElfOption("loop guest");
        var po2 = SegmentPo2Option.Create();
        var paramsName = new Option<string>("--params") { Description = "STARK parameter set (see `verity params`)", DefaultValueFactory = _ => StarkParameters.Default.Name };
        var json = new Option<bool>("--json") { Description = "print one JSON object (no progress display)" };
        var node = new NodeClientOptions(withDefaultNode: false);
        foreach (var o in new Option[] { iterations, elf, po2, paramsName, json }) bench.Options.Add(o);
        node.AddTo(bench);
        node.Node.Description = "the node's URL (default: start an embedded node with one agent on a temporary data dir)";
        bench.SetAction((r, ct) => CliErrors.RunAsync(async () =>
        {
            if (r.GetValue(iterations) is not { } n)
                throw new CliException("give -c N (prove the loop guest with N iterations through a node) or a subcommand: stark, execute, prove.");
            if (n == 0) throw new CliException("-c must be at least 1.");
            int segmentPo2 = SegmentPo2Option.Check(r.GetValue(po2));
            var (elfBytes, elfName) = LoopGuest.Load(r.GetValue(elf));
            var parameters = StarkParameters.FromName(r.GetValue(paramsName)!);
            bool asJson = r.GetValue(json);
            var url = node.ParseNode(r);

            await using var embedded = url == null ? await StartEmbeddedAsync(asJson, ct) : null;
            using var client = embedded != null ? new NodeClient(embedded.BaseAddress, embedded.ApiKey) : node.CreateClient(r);
            string where = embedded != null ? "embedded (SQLite, filesystem blobs, 1 agent)" : client.Node.ToString();
            return await RunAsync(client, where, elfBytes, elfName, n, segmentPo2, parameters, asJson, ct);
        }));
    }

    private static async Task<EmbeddedNode> StartEmbeddedAsync(bool quiet, CancellationToken ct)
    {
        if (!quiet) AnsiConsole.MarkupLine("[grey]starting an embedded node (temporary data dir, 1 agent)…[/]");
        // The node logs one line per task; the progress display says the same, so keep its log out of the output.
        return await EmbeddedNode.StartTemporaryAsync(agents: 1, log: _ => { }, ct);
    }

    private static async Task<int> RunAsync(NodeClient client, string where, byte[] elf, string elfName, uint iterations, int po2,
        StarkParameters parameters, bool json, CancellationToken ct)
    {
        var image = await client.UploadImageAsync(elf, ct);
        var input = await client.UploadInputAsync(LoopGuest.Input(iterations), ct);
        var phases = new PhaseClock();
        var created = await client.CreateJobAsync(new CreateJobRequest
        {
            ImageId = image.ImageId,
            InputId = input.InputId,
            SegmentPo2 = po2,
            Parameters = parameters.Name,
        }, ct);
        if (!json) AnsiConsole.MarkupLine(Markup.Escape($"job {created.JobId}: {elfName}, {iterations:N0} iterations, po2 {po2}, parameters '{parameters.Name}', node {where}"));

        JobStatusView final;
        try
        {
            final = await JobProgressBar.WaitAsync(client, created.JobId, show: !json, TimeSpan.FromMilliseconds(250), phases, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // A benchmark job serves nobody: do not leave it proving on a shared node.
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.CancelAsync(created.JobId, timeout.Token);
                Console.Error.WriteLine($"cancelled job {created.JobId}");
            }
            catch (Exception e) when (e is NodeClientException or HttpRequestException or TimeoutException or OperationCanceledException)
            {
                Console.Error.WriteLine($"could not cancel job {created.JobId}: {e.Message}");
            }
            throw;
        }
        var clientWall = phases.Elapsed;
        // The node's own timestamps measure creation → success exactly; the client's clock adds polling delay.
        var wall = final.FinishedAt is { } finished ? finished - final.CreatedAt : clientWall;
        long cycles = final.Cycles ?? 0;
        double khz = wall > TimeSpan.Zero ? cycles / wall.TotalSeconds / 1000 : 0;
        var phaseMs = phases.Phases(final).ToDictionary(p => p.Name, p => p.Duration.TotalMilliseconds);

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                machine = StarkBenchmark.MachineDescription(),
                node = where,
                job_id = created.JobId,
                state = final.State.Name(),
                error = final.Error,
                elf = elfName,
                iterations,
                po2,
                parameters = parameters.Name,
                cycles,
                segments = final.Segments,
                wall_ms = wall.TotalMilliseconds,
                khz,
                phases_ms = phaseMs,
                receipt_bytes = final.ReceiptBytes,
            }));
        }
        else
        {
            var t = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
            t.AddRow("machine", Markup.Escape(StarkBenchmark.MachineDescription()));
            t.AddRow("node", Markup.Escape(where));
            t.AddRow("job", $"{created.JobId} ({final.State.Name()})");
            t.AddRow("cycles", $"{cycles:N0}");
            t.AddRow("segments", $"{final.Segments} of at most 2^{po2} cycles");
            t.AddRow("[bold]wall time[/] (submit → succeeded)", $"{wall.TotalSeconds:F2} s");
            t.AddRow("[bold]effective kHz[/]", $"{khz:F1}");
            foreach (var (phase, ms) in phaseMs) t.AddRow($"  {phase} (seen by polling)", $"{ms / 1000:F2} s");
            if (final.ReceiptBytes is { } bytes) t.AddRow("receipt", $"{bytes / 1024.0:F0} KiB");
            AnsiConsole.Write(t);
        }
        if (final.State == JobState.Succeeded) return 0;
        Console.Error.WriteLine($"error: job {created.JobId} {final.State.Name()}" + (final.Error != null ? $": {final.Error}" : ""));
        return 1;
    }

    /// <summary>
    /// Times the job's phases from the statuses seen while polling (execute done, all proofs done, finalize done):
    /// cheap, and accurate to the poll interval.
    /// </summary>
    private sealed class PhaseClock : IProgress<JobStatusView>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan? _executed, _proved, _ended;

        public TimeSpan Elapsed => _ended ?? _clock.Elapsed;

        public void Report(JobStatusView status)
        {
            var now = _clock.Elapsed;
            if (_executed == null && Done("execute")) _executed = now;
            if (_proved == null && Done("prove")) _proved = now;
            if (_ended == null && status.State.IsTerminal()) _ended = now;

            bool Done(string type) => status.Tasks.TryGetValue(type, out var p) && p.Total > 0 && p.Done == p.Total;
        }

        public IEnumerable<(string Name, TimeSpan Duration)> Phases(JobStatusView final)
        {
            if (_executed is not { } executed) yield break;
            yield return ("execute", executed);
            if (final.ExecuteOnly || _proved is not { } proved) yield break;
            yield return ("prove", proved - executed);
            if (final.State == JobState.Succeeded && _ended is { } ended) yield return ("finalize", ended - proved);
        }
    }
}
