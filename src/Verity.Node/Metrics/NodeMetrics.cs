using System.Diagnostics.Metrics;
using System.Globalization;
using Verity.Cluster.Protocol;
using Verity.Node.Hosting;

namespace Verity.Node.Metrics;

/// <summary>
/// The node process's own metrics, instruments on the meter <see cref="MeterName"/> beside the cluster's
/// (<c>ClusterMetrics</c>): HTTP requests by surface and status, their durations, whether the store answered the
/// scrape, health, the embedded agents' task counts (docs/METRICS.md).
/// </summary>
public sealed class NodeMetrics
{
    public const string MeterName = "Verity.Node";

    /// <summary>Request duration bucket bounds, seconds: an agent's poll (ms) to a large image upload (a minute).</summary>
    public static readonly IReadOnlyList<double> RequestDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private static readonly KeyValuePair<string, object?>[] Outcomes = [new("outcome", "completed"), new("outcome", "failed")];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _durations;
    private readonly double _startedAt;
    private Scrape? _scrape;

    /// <param name="meters">The node's meter factory: only this node's provider exports these instruments.</param>
    public NodeMetrics(IMeterFactory meters, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _startedAt = startedAt.ToUnixTimeMilliseconds() / 1000.0;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("verity_node_start_time_seconds", () => _startedAt, "s", "When the node started (Unix seconds).");
        meter.CreateObservableGauge("verity_node_store_up", () => Observe(s => s.StoreUp ? 1 : 0), null,
            "1 when the task store answered the scrape's query.");
        meter.CreateObservableGauge("verity_node_healthy", () => Observe(s => s.Health.Healthy ? 1 : 0), null,
            "1 when the node can make progress (what /health answers 200 for).");
        meter.CreateObservableGauge("verity_node_health_problem", ObserveProblems, null,
            "1 for each reason the node cannot make progress: store, disk_full, agents.");
        _requests = meter.CreateCounter<long>("verity_node_http_requests", "{request}", "HTTP requests served, by surface and status code.");
        _durations = meter.CreateHistogram("verity_node_http_request_duration_seconds", "s", "Time to serve HTTP requests, by surface.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RequestDurationBuckets });
        meter.CreateObservableCounter("verity_node_embedded_agent_tasks", ObserveAgentTasks, "{task}",
            "Tasks the node's embedded agents finished, by outcome.");
        meter.CreateObservableGauge("verity_node_embedded_agents_live",
            () => EmbeddedAgentWorkers is { } read ? [new Measurement<int>(read().Live)] : Array.Empty<Measurement<int>>(), "{agent}",
            "Embedded agent workers running now.");
        meter.CreateObservableCounter("verity_node_embedded_agent_restarts",
            () => EmbeddedAgentWorkers is { } read ? [new Measurement<long>(read().Restarts)] : Array.Empty<Measurement<long>>(), "{restart}",
            "Embedded agent workers restarted after they ended unexpectedly.");
    }

    /// <summary>Reads the embedded agents' completed and failed task counts (set once they run).</summary>
    public Func<(long Completed, long Failed)>? EmbeddedAgentTasks { get; set; }

    /// <summary>Reads how many embedded agent workers run and how often one was restarted (set once they run).</summary>
    public Func<(int Live, long Restarts)>? EmbeddedAgentWorkers { get; set; }

    /// <summary>Which part of the node a path belongs to (a bounded label set: paths themselves would not be).</summary>
    public static string Surface(PathString path) =>
        path.StartsWithSegments("/v1") ? "api"
        : path.StartsWithSegments(AgentRpc.Path) ? "rpc"
        : path.StartsWithSegments(AgentRpc.BlobPath) ? "blobs"
        : path.StartsWithSegments("/health") ? "health"
        : path.StartsWithSegments("/metrics") ? "metrics"
        : "other";

    public void RequestServed(string surface, int status, TimeSpan elapsed)
    {
        var surfaceTag = new KeyValuePair<string, object?>("surface", surface);
        _requests.Add(1, surfaceTag, new KeyValuePair<string, object?>("code", status.ToString(CultureInfo.InvariantCulture)));
        _durations.Record(elapsed.TotalSeconds, surfaceTag);
    }

    /// <summary>What the scrape about to be collected found: whether the store answered, and the health report.</summary>
    public void Scraped(bool storeUp, HealthReport health) =>
        Volatile.Write(ref _scrape, new Scrape(storeUp, health ?? throw new ArgumentNullException(nameof(health))));

    // Before the first scrape nothing is known: the store and health gauges are left out rather than guessed.
    private Measurement<int>[] Observe(Func<Scrape, int> read) =>
        Volatile.Read(ref _scrape) is { } scrape ? [new Measurement<int>(read(scrape))] : [];

    private IEnumerable<Measurement<int>> ObserveProblems()
    {
        if (Volatile.Read(ref _scrape) is not { } scrape) yield break;
        foreach (string kind in HealthProblem.Kinds)
            yield return new Measurement<int>(scrape.Health.Problems.Any(p => p.Kind == kind) ? 1 : 0, new KeyValuePair<string, object?>("problem", kind));
    }

    private Measurement<long>[] ObserveAgentTasks()
    {
        if (EmbeddedAgentTasks is not { } read) return [];
        var (completed, failed) = read();
        return [new Measurement<long>(completed, Outcomes[0]), new Measurement<long>(failed, Outcomes[1])];
    }

    private sealed record Scrape(bool StoreUp, HealthReport Health);
}
