namespace Verity.Node.Hosting;

/// <summary>
/// A component hosted beside the node's cluster — the broker (docs/BROKER.md §1) — that serves its own routes
/// under the node's client API and adds its metrics to the node's /metrics. The node does not know what it is.
/// </summary>
/// <remarks>
/// Metrics: the extension creates its meter ("Verity.&lt;Component&gt;") through the node's
/// <see cref="RunningNode.Meters"/>; its instruments then join this node's /metrics and OTLP export, and no other
/// node's (docs/METRICS.md).
/// </remarks>
public interface INodeExtension
{
    /// <summary>Maps the extension's routes on <paramref name="v1"/>: the /v1 group, behind the client API key.</summary>
    void Map(RouteGroupBuilder v1);

    /// <summary>Brings gauges read from a database up to date; runs before each /metrics collection.</summary>
    Task RefreshMetricsAsync(CancellationToken ct);
}
