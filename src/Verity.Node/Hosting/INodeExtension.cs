namespace Verity.Node.Hosting;

/// <summary>
/// A component hosted beside the node's cluster — the broker (docs/BROKER.md §1) — that serves its own routes
/// under the node's client API and adds its metrics to the node's /metrics. The node does not know what it is.
/// </summary>
public interface INodeExtension
{
    /// <summary>Maps the extension's routes on <paramref name="v1"/>: the /v1 group, behind the client API key.</summary>
    void Map(RouteGroupBuilder v1);

    /// <summary>Prometheus text appended to /metrics (empty when there is nothing to say yet).</summary>
    Task<string> RenderMetricsAsync(CancellationToken ct);
}
