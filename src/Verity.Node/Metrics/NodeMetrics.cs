using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Verity.Cluster.Protocol;
using Verity.Node.Hosting;

namespace Verity.Node.Metrics;

/// <summary>
/// The node process's own metrics, rendered after the cluster's (<c>ClusterMetrics</c>) on /metrics: HTTP requests
/// by surface and status, their durations, whether the store answered, the embedded agents' task counts.
/// </summary>
public sealed class NodeMetrics
{
    private readonly ConcurrentDictionary<(string Surface, int Status), Counter> _requests = new();
    private readonly ConcurrentDictionary<string, Duration> _durations = new();
    private readonly DateTimeOffset _startedAt;

    public NodeMetrics(DateTimeOffset startedAt) => _startedAt = startedAt;

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
        _requests.GetOrAdd((surface, status), _ => new Counter()).Add(1);
        _durations.GetOrAdd(surface, _ => new Duration()).Add(elapsed);
    }

    /// <summary>Prometheus text exposition (format 0.0.4) of the node's metrics; <paramref name="health"/> adds the health gauges.</summary>
    public string RenderPrometheus(bool storeUp, HealthReport? health = null)
    {
        var s = new StringBuilder();
        Family(s, "verity_node_start_time_seconds", "gauge", "When the node started (Unix seconds).");
        Sample(s, "verity_node_start_time_seconds", "", _startedAt.ToUnixTimeMilliseconds() / 1000.0);

        Family(s, "verity_node_store_up", "gauge", "1 when the task store answered the scrape's query.");
        Sample(s, "verity_node_store_up", "", storeUp ? 1 : 0);

        if (health != null)
        {
            Family(s, "verity_node_healthy", "gauge", "1 when the node can make progress (what /health answers 200 for).");
            Sample(s, "verity_node_healthy", "", health.Healthy ? 1 : 0);
            Family(s, "verity_node_health_problem", "gauge", "1 for each reason the node cannot make progress: store, disk_full, agents.");
            foreach (string kind in HealthProblem.Kinds)
                Sample(s, "verity_node_health_problem", $"{{problem=\"{kind}\"}}", health.Problems.Any(p => p.Kind == kind) ? 1 : 0);
        }

        Family(s, "verity_node_http_requests_total", "counter", "HTTP requests served, by surface and status code.");
        foreach (var ((surface, status), counter) in _requests.OrderBy(kv => kv.Key.Surface, StringComparer.Ordinal).ThenBy(kv => kv.Key.Status))
            Sample(s, "verity_node_http_requests_total", $"{{surface=\"{surface}\",code=\"{status}\"}}", counter.Value);

        Family(s, "verity_node_http_request_duration_seconds", "summary", "Time to serve HTTP requests, by surface.");
        foreach (var (surface, d) in _durations.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var (count, sum) = d.Read();
            Sample(s, "verity_node_http_request_duration_seconds_sum", $"{{surface=\"{surface}\"}}", sum);
            Sample(s, "verity_node_http_request_duration_seconds_count", $"{{surface=\"{surface}\"}}", count);
        }

        if (EmbeddedAgentTasks is { } read)
        {
            var (completed, failed) = read();
            Family(s, "verity_node_embedded_agent_tasks_total", "counter", "Tasks the node's embedded agents finished, by outcome.");
            Sample(s, "verity_node_embedded_agent_tasks_total", "{outcome=\"completed\"}", completed);
            Sample(s, "verity_node_embedded_agent_tasks_total", "{outcome=\"failed\"}", failed);
        }
        if (EmbeddedAgentWorkers is { } workers)
        {
            var (live, restarts) = workers();
            Family(s, "verity_node_embedded_agents_live", "gauge", "Embedded agent workers running now.");
            Sample(s, "verity_node_embedded_agents_live", "", live);
            Family(s, "verity_node_embedded_agent_restarts_total", "counter", "Embedded agent workers restarted after they ended unexpectedly.");
            Sample(s, "verity_node_embedded_agent_restarts_total", "", restarts);
        }
        return s.ToString();
    }

    private static void Family(StringBuilder s, string name, string type, string help) =>
        s.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
         .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder s, string name, string labels, double value) =>
        s.Append(name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');

    private sealed class Counter
    {
        private long _value;
        public long Value => Interlocked.Read(ref _value);
        public void Add(long n) => Interlocked.Add(ref _value, n);
    }

    private sealed class Duration
    {
        private readonly Lock _lock = new();
        private long _count;
        private double _sum;

        public void Add(TimeSpan elapsed)
        {
            lock (_lock) { _count++; _sum += elapsed.TotalSeconds; }
        }

        public (long Count, double Sum) Read()
        {
            lock (_lock) return (_count, _sum);
        }
    }
}
