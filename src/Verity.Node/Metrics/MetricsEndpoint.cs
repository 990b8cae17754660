using OpenTelemetry.Metrics;
using Verity.Cluster.Broker;
using Verity.Cluster.Store;
using Verity.Node.Hosting;

namespace Verity.Node.Metrics;

/// <summary>
/// GET /metrics (no auth): the node's MeterProvider through the Prometheus exporter, after the store-derived gauges
/// are refreshed (<see cref="MetricsRefresh"/>).
/// </summary>
internal static class MetricsEndpoint
{
    public static void Map(IEndpointRouteBuilder app, MeterProvider provider) =>
        PrometheusScrape.Map(app, provider, http => http.RequestServices.GetRequiredService<MetricsRefresh>().RunAsync(http.RequestAborted));

    /// <summary>
    /// The node's own refresh step: the store's job and task counts, whether the store answered, and health. A store
    /// that does not answer leaves the job and task gauges out and shows store_up 0, so the scrape says what is wrong.
    /// </summary>
    public static async Task RefreshNodeAsync(ITaskStore store, ClusterMetrics cluster, NodeMetrics node, NodeHealth health, ILogger log,
        CancellationToken ct)
    {
        bool storeUp;
        try
        {
            cluster.UpdateStoreStats(await store.StatsAsync(ct).ConfigureAwait(false));
            storeUp = true;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("metrics: the store did not answer: {Error}", e.Message);
            cluster.UpdateStoreStats(null);
            storeUp = false;
        }
        node.Scraped(storeUp, await health.CheckAsync(ct).ConfigureAwait(false));
    }
}
