using System.Numerics;
using Verity.Chain.Contracts;

namespace Verity.Broker.Pricing;

/// <summary>What the evaluator reads from the market contract: a request's status (S-008).</summary>
public interface IMarketReader
{
    Task<RequestStatus> RequestStatusAsync(BigInteger requestId, CancellationToken ct);
}

/// <summary><see cref="IMarketReader"/> over the deployed market (<see cref="MarketContract"/>).</summary>
public sealed class ContractMarketReader(MarketContract market) : IMarketReader
{
    private readonly MarketContract _market = market ?? throw new ArgumentNullException(nameof(market));

    public Task<RequestStatus> RequestStatusAsync(BigInteger requestId, CancellationToken ct) => _market.RequestStatusAsync(requestId, ct);
}
