using Verity.Cluster.Broker;
using Verity.Cluster.Store;
using Verity.Node.Hosting;

namespace Verity.Node.Metrics;

/// <summary>GET /metrics (no auth): Prometheus text — the cluster's metrics from the store's counts, then the node's own.</summary>
internal static class MetricsEndpoint
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/metrics", RenderAsync);

    private static async Task<IResult> RenderAsync(HttpContext http, ITaskStore store, ClusterMetrics cluster, NodeMetrics node,
        TimeProvider time, ILoggerFactory logs, NodeHealth health, IReadOnlyList<INodeExtension> extensions)
    {
        string clusterText;
        bool storeUp;
        try
        {
            var stats = await store.StatsAsync(http.RequestAborted).ConfigureAwait(false);
            clusterText = cluster.RenderPrometheus(stats, time.GetUtcNow());
            storeUp = true;
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            // Still serve the node's own metrics, with store_up 0, so the scrape shows what is wrong.
            logs.CreateLogger("Verity.Node.Metrics").LogWarning("metrics: the store did not answer: {Error}", e.Message);
            clusterText = "";
            storeUp = false;
        }
        if (clusterText.Length > 0 && !clusterText.EndsWith('\n')) clusterText += "\n";
        var report = await health.CheckAsync(http.RequestAborted).ConfigureAwait(false);
        var text = new System.Text.StringBuilder(clusterText).Append(node.RenderPrometheus(storeUp, report));
        foreach (var extension in extensions)
        {
            try { text.Append(await extension.RenderMetricsAsync(http.RequestAborted).ConfigureAwait(false)); }
            catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
            {
                logs.CreateLogger("Verity.Node.Metrics").LogWarning("metrics: {Extension} did not answer: {Error}", extension.GetType().Name, e.Message);
            }
        }
        return Results.Text(text.ToString(), ContentType);
    }
}
