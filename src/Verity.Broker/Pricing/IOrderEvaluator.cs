using System.Numerics;
using Verity.Broker.Config;
using Verity.Broker.Orders;

namespace Verity.Broker.Pricing;

/// <summary>The market as one evaluation sees it.</summary>
/// <param name="ChainTime">the latest block's timestamp</param>
/// <param name="GasPriceWei">the gas price a transaction sent now would pay (base fee + tip)</param>
/// <param name="Committed">work already committed (for deadline feasibility)</param>
/// <param name="MeasuredKhz">the cluster's measured proving throughput, when known (used when peak_prove_khz is unset)</param>
public sealed record MarketView(ulong ChainTime, BigInteger GasPriceWei, CommittedWork Committed, double? MeasuredKhz);

/// <summary>An order after evaluation, with the lines to add to its history.</summary>
public sealed record Evaluation(Order Order, IReadOnlyList<OrderEvent> Events);

/// <summary>
/// Evaluation of one <see cref="OrderState.New"/> order (docs/BROKER.md §4): cheap filters first (no network), then
/// preflight on the cluster (cached per image and input), then the quote policy. The result is the order moved to
/// <see cref="OrderState.WaitingToLock"/> (ImageId, Cycles, JournalHex, MinimumPrice, TargetTime set) or to
/// <see cref="OrderState.Skipped"/> with a <see cref="ReasonCodes"/> code and a detail line. Never sends a transaction.
/// </summary>
public interface IOrderEvaluator
{
    Task<Evaluation> EvaluateAsync(Order order, MarketView market, BrokerConfig config, CancellationToken ct);
}
