using Verity.Broker;
using Verity.Broker.Api;
using Verity.Node.Hosting;

namespace Verity.Cli.Commands.Broker;

/// <summary>
/// The broker hosted in `verity node --broker`: its routes join the node's client API and its metrics the node's
/// /metrics. The node starts first (the broker needs its address), so <see cref="Broker"/> is set afterwards.
/// </summary>
internal sealed class BrokerNodeExtension : INodeExtension
{
    private readonly TaskCompletionSource _drainRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunningBroker? Broker { get; set; }

    /// <summary>Completes when POST /v1/broker/drain (or `verity node drain`) asked for a drain.</summary>
    public Task DrainRequested => _drainRequested.Task;

    public void Map(Microsoft.AspNetCore.Routing.RouteGroupBuilder v1) =>
        BrokerRoutes.Map(v1, () => Broker, () => _drainRequested.TrySetResult());

    /// <summary>The broker's metrics are made with the node's meter factory (EmbeddedBroker); this refreshes its order gauges.</summary>
    public Task RefreshMetricsAsync(CancellationToken ct) => Broker is { } broker ? broker.RefreshMetricsAsync(ct) : Task.CompletedTask;
}
