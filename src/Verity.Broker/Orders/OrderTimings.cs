namespace Verity.Broker.Orders;

/// <summary>
/// Latencies read from an order and its history (benchmarks, the devnet's summary). History times are the broker's
/// wall clock, stored to the millisecond.
/// </summary>
public static class OrderTimings
{
    /// <summary>The history line the evaluator service writes when it takes an order (kind "decision").</summary>
    public const string PricingLine = "pricing";

    /// <summary>
    /// Seconds from the order's (last) move to pricing to the evaluator's "preflight" line: the on-chain status read
    /// and the preflight (fetching, executing on the cluster, or a cache hit). Null when no preflight result was recorded.
    /// </summary>
    public static double? PreflightSeconds(IReadOnlyList<OrderEvent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var preflight = history.LastOrDefault(e => e.Kind == "preflight");
        if (preflight is null) return null;
        var pricing = history.Where(e => e.Kind == "decision" && e.Detail == PricingLine && e.At <= preflight.At)
            .Select(e => (DateTimeOffset?)e.At).Max();
        return pricing is { } start ? (preflight.At - start).TotalSeconds : null;
    }

    /// <summary>Whether the recorded preflight was answered from the cache (or shared with a preflight in flight).</summary>
    public static bool PreflightCached(IReadOnlyList<OrderEvent> history) =>
        history.LastOrDefault(e => e.Kind == "preflight")?.Detail.EndsWith("(cached)", StringComparison.Ordinal) ?? false;

    /// <summary>Seconds of proving: <see cref="Order.ProvingStartedAt"/> → <see cref="Order.ProvedAt"/> (null until proved).</summary>
    public static double? ProvingSeconds(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order is { ProvingStartedAt: { } start, ProvedAt: { } end } ? (end - start).TotalSeconds : null;
    }

    /// <summary>
    /// When the evaluation decided (priced → waiting_to_lock, or skipped): <see cref="Order.UpdatedAt"/> while the order
    /// is still in that state, else the decision's history line. Null when it was not decided yet.
    /// </summary>
    public static DateTimeOffset? DecidedAt(Order order, IReadOnlyList<OrderEvent> history)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(history);
        if (order.State is OrderState.WaitingToLock or OrderState.Skipped) return order.UpdatedAt;
        return history.FirstOrDefault(e => e.Kind == "skip" && e.Detail.StartsWith("skipped (", StringComparison.Ordinal)
                                           || e.Kind == "decision" && e.Detail.StartsWith("priced: minimum", StringComparison.Ordinal))?.At;
    }
}
