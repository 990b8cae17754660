namespace Verity.Broker.Pricing;

/// <summary>Work this broker has committed to and not yet proved (rebuilt from the database on start).</summary>
/// <param name="Cycles">cycles of committed orders still to prove (locked, pending or proving)</param>
/// <param name="Orders">committed orders (locking … submitting): the slots max_concurrent_proofs counts</param>
public sealed record CommittedWork(long Cycles, int Orders)
{
    public static CommittedWork None { get; } = new(0, 0);
}

/// <summary>
/// Deadline feasibility (docs/BROKER.md §4.1): an order is taken only if proving it after the work already
/// committed — at the cluster's throughput — ends before its expiry with the submission margin to spare.
/// Shared by pricing (skip with S-019) and the committer (which re-checks when it dispatches).
/// </summary>
public static class ProvingEstimate
{
    /// <summary>Seconds to prove <paramref name="cycles"/> at <paramref name="khz"/> thousand cycles per second, rounded up.</summary>
    public static long Seconds(long cycles, double khz)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cycles);
        if (!(khz > 0)) throw new ArgumentOutOfRangeException(nameof(khz), khz, "throughput must be positive");
        return (long)Math.Ceiling(cycles / (khz * 1000.0));
    }

    /// <summary>Chain time at which proving would end: after every committed cycle, then this order's.</summary>
    public static ulong FinishTime(ulong now, long cycles, CommittedWork committed, double khz) =>
        now + (ulong)Seconds(checked(committed.Cycles + cycles), khz);

    /// <summary>True when proving ends at least <paramref name="marginSeconds"/> before <paramref name="expiry"/>.</summary>
    public static bool Feasible(ulong now, long cycles, CommittedWork committed, double khz, long marginSeconds, ulong expiry) =>
        FinishTime(now, cycles, committed, khz) + (ulong)Math.Max(0, marginSeconds) <= expiry;
}
