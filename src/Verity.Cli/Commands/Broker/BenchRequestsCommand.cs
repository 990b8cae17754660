using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Verity.Chain.Contracts;
using Verity.Cluster.Client;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cli.Commands.Market;
using Verity.Market.Proving;
using Verity.Market.Requests;
using Verity.Market.Settings;
using Verity.Stark.Air.Parameters;
using Verity.Vm;

namespace Verity.Cli.Commands.Broker;

/// <summary>
/// `verity bench requests --request-ids ID,…`: preflights and proves existing market requests through a cluster (a
/// node at --node, or a throwaway embedded one) and reports cycles, proving seconds and kHz per request, and a
/// recommended <c>peak_prove_khz</c> — the slowest request's kHz × 0.75, the margin Boundless's
/// `boundless proving benchmark` uses — for broker.toml.
/// </summary>
internal static class BenchRequestsCommand
{
    /// <summary>Headroom below the measured worst case: proving shares the machine with preflights and other work.</summary>
    public const double RecommendedFactor = 0.75;

    public static Command Create()
    {
        var ids = new Option<string>("--request-ids") { Description = "comma-separated request ids (as `request submit` printed them)", Required = true };
        var market = new MarketOptions(defaultRole: "prover");
        var node = new NodeClientOptions(withDefaultNode: false);
        // The broker's [prover] defaults, so the figure is the one its proving jobs will see.
        var po2 = SegmentPo2Option.Create(defaultValue: 16);
        var parameters = new Option<string>("--params") { Description = "STARK parameter set (see `verity params`), as broker.toml's [prover] parameters", DefaultValueFactory = _ => StarkParameters.Default.Name };
        var cmd = new Command("requests", "Preflight and prove existing requests through a cluster; report kHz and a recommended peak_prove_khz.");
        cmd.Options.Add(ids);
        market.AddTo(cmd);
        node.AddTo(cmd);
        cmd.Options.Add(po2);
        cmd.Options.Add(parameters);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            var requestIds = r.GetValue(ids)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(MarketOptions.ParseRequestId).ToList();
            if (requestIds.Count == 0) throw new CliException("--request-ids names no request.");
            bool asJson = r.GetValue(market.Json);
            var settings = market.Resolve(r);
            var session = await MarketSession.OpenAsync(settings, withKey: false, ct);
            var lookup = OrderStreamAccess.Lookup(settings);
            var found = new List<FoundRequest>();
            foreach (var id in requestIds) found.Add(await RequestLookup.RequireAsync(session, id, lookup, ct));

            EmbeddedNode? embedded = null;
            NodeClient client;
            if (node.ParseNode(r) is null)
            {
                embedded = await EmbeddedNode.StartTemporaryAsync(agents: 1, log: null, ct);
                client = new NodeClient(embedded.BaseAddress, embedded.ApiKey);
            }
            else client = node.CreateClient(r);
            try
            {
                using var http = new HttpClient();
                var resources = new ResourceFetcher(http);
                var rows = new List<Row>();
                foreach (var f in found)
                {
                    rows.Add(await MeasureAsync(client, resources, f.Request, r.GetValue(po2), StarkParameters.FromName(r.GetValue(parameters)!).Name, ct));
                    var last = rows[^1];
                    MarketOutput.Note(asJson, $"request {last.RequestId}: {last.Cycles:N0} cycles, preflight {last.PreflightSeconds:F2} s, proved in {last.ProveSeconds:F2} s = {last.Khz:F1} kHz");
                }
                double worst = rows.Min(x => x.Khz);
                double recommended = Math.Floor(worst * RecommendedFactor * 10) / 10;
                MarketOutput.Print(asJson, new
                {
                    node = embedded is null ? client.Node.ToString() : "embedded (1 agent)",
                    requests = rows.Select(x => new
                    {
                        request_id = x.RequestId, cycles = x.Cycles, segments = x.Segments, preflight_seconds = x.PreflightSeconds,
                        prove_seconds = x.ProveSeconds, khz = x.Khz,
                    }).ToList(),
                    worst_khz = worst,
                    recommended_peak_prove_khz = recommended,
                },
                [
                    $"worst {worst.ToString("F1", CultureInfo.InvariantCulture)} kHz over {rows.Count} request(s)",
                    $"recommended in broker.toml: peak_prove_khz = {recommended.ToString("F1", CultureInfo.InvariantCulture)}  (worst × {RecommendedFactor})",
                ]);
                return 0;
            }
            finally
            {
                client.Dispose();
                if (embedded != null) await embedded.DisposeAsync();
            }
        }));
        return cmd;
    }

    private sealed record Row(string RequestId, long Cycles, int Segments, double PreflightSeconds, double ProveSeconds, double Khz);

    private static async Task<Row> MeasureAsync(NodeClient client, ResourceFetcher resources, ProofRequest request, int segmentPo2, string parameters,
        CancellationToken ct)
    {
        string id = RequestId.Format(request.Id);
        var elf = await resources.FetchAsync(request.ImageUrl, $"request {id}'s image", ElfLoader.MaxImageBytes, ct);
        var image = ElfLoader.Load(elf, ElfLoader.MaxImageBytes);
        if (!image.ImageId.ToArray().AsSpan().SequenceEqual(request.Requirements.ImageId))
            throw new CliFailureException($"request {id}: the image at {request.ImageUrl} has image id {image.ImageId.ToHex()}, not the request's");
        byte[] input = request.Input.InputType == (byte)InputType.Url
            ? await resources.FetchAsync(System.Text.Encoding.UTF8.GetString(request.Input.Data), $"request {id}'s input", ResourceFetcher.DefaultMaxBytes, ct)
            : request.Input.Data;
        var imageId = (await client.UploadImageAsync(elf, ct)).ImageId;
        var inputId = (await client.UploadInputAsync(input, ct)).InputId;

        var clock = Stopwatch.StartNew();
        var preflight = await RunAsync(client, new CreateJobRequest { ImageId = imageId, InputId = inputId, ExecuteOnly = true, SegmentPo2 = segmentPo2 }, id, ct);
        double preflightSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var proved = await RunAsync(client, new CreateJobRequest { ImageId = imageId, InputId = inputId, SegmentPo2 = segmentPo2, Parameters = parameters }, id, ct);
        double proveSeconds = clock.Elapsed.TotalSeconds;
        long cycles = proved.Cycles ?? preflight.Cycles ?? 0;
        return new Row(id, cycles, proved.Segments ?? 0, preflightSeconds, proveSeconds, cycles / proveSeconds / 1000.0);
    }

    private static async Task<JobStatusView> RunAsync(NodeClient client, CreateJobRequest job, string id, CancellationToken ct)
    {
        var created = await client.CreateJobAsync(job, ct);
        var final = await client.WaitAsync(created.JobId, pollInterval: TimeSpan.FromMilliseconds(100), ct: ct);
        if (final.State != JobState.Succeeded)
            throw new CliFailureException($"request {id}: {(job.ExecuteOnly ? "preflight" : "proving")} job {created.JobId} {final.State.Name()}" + (final.Error is { } e ? $": {e}" : ""));
        return final;
    }
}
