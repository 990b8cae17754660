using Verity.Broker.Store;

namespace Verity.Broker.Api;

/// <summary>What the broker's REST routes read: its store and its status (a <see cref="RunningBroker"/>).</summary>
public interface IBrokerView
{
    IBrokerStore Store { get; }
    Task<BrokerStatus> StatusAsync(CancellationToken ct);
}
