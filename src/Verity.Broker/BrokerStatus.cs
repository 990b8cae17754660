using Verity.Broker.Orders;
using Verity.Broker.Pricing;
using Verity.Broker.Store;

namespace Verity.Broker;

/// <summary>What <c>GET /v1/broker/status</c> shows: orders by state, earnings, committed work, draining.</summary>
/// <param name="Address">the prover address the broker locks and fulfils as</param>
/// <param name="Services">consecutive failures of each pipeline service (0: working)</param>
public sealed record BrokerStatus(
    string Address,
    IReadOnlyDictionary<OrderState, int> Counts,
    Earnings Earnings,
    CommittedWork Committed,
    bool Draining,
    bool ListenOnly,
    IReadOnlyDictionary<string, int> Services);
