using System.Numerics;
using Verity.Broker.Config;

namespace Verity.Broker.Pricing;

/// <summary>
/// The default policy (docs/BROKER.md §4.2): <c>mcycle_price × cycles / 10⁶</c> (rounded up to the wei) plus the gas
/// cost. Always bids.
/// </summary>
public sealed class BuiltInQuotePolicy : IQuotePolicy
{
    public static BuiltInQuotePolicy Instance { get; } = new();

    public Task<QuoteResult> QuoteAsync(QuoteRequest request, BrokerConfig config, CancellationToken ct) =>
        Task.FromResult(QuoteResult.Bid(Minimum(request.Cycles, config.Market.McyclePrice, request.GasCost)));

    /// <summary>⌈cycles × mcyclePrice / 10⁶⌉ + gas.</summary>
    public static BigInteger Minimum(long cycles, BigInteger mcyclePrice, BigInteger gasCost) =>
        CyclesCost(cycles, mcyclePrice) + gasCost;

    /// <summary>⌈cycles × mcyclePrice / 10⁶⌉: what the proving costs at <c>mcycle_price</c>.</summary>
    public static BigInteger CyclesCost(long cycles, BigInteger mcyclePrice)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cycles);
        var product = cycles * mcyclePrice;
        return (product + 999_999) / 1_000_000;
    }
}
