using System.Numerics;

namespace Verity.Market.Devnet;

/// <summary>Median and max of some seconds (null when there are none).</summary>
public sealed record LatencyStats(int Count, double? Median, double? Max)
{
    public static LatencyStats Of(IEnumerable<double?> samples)
    {
        var s = samples.Where(x => x is not null).Select(x => x!.Value).Order().ToList();
        if (s.Count == 0) return new LatencyStats(0, null, null);
        double median = s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
        return new LatencyStats(s.Count, median, s[^1]);
    }

    public object ToJson() => new { count = Count, median = Median, max = Max };

    public override string ToString() =>
        Count == 0 ? "none" : $"median {Median:0.##} s, max {Max:0.##} s (n={Count})";
}

/// <summary>
/// What a prover's broker recorded about one order it fulfilled: preflight seconds (from its history: the move to
/// pricing → the preflight's result, wall clock) and proving seconds (<c>ProvingStartedAt → ProvedAt</c>, wall clock).
/// </summary>
public sealed record BrokerOrderTiming(BigInteger RequestId, string Prover, double? PreflightSeconds, double? ProvingSeconds);

/// <summary>
/// The devnet's latency figures. Submit → locked / fulfilled are chain time: from the chain time at which the bot built
/// and sent the request (the timestamp of a block it mined just before) to the timestamp of the block holding the
/// RequestLocked / RequestFulfilled event. anvil mines each transaction in its own block stamped with the wall clock
/// (1 s resolution), so these are whole seconds. Preflight and proving come from the brokers' stores (wall clock, ms);
/// overhead = submit → fulfilled − proving of the order that fulfilled it: everything that is not proving (discovery,
/// preflight, waiting for the auction's price, locking, batching, the fulfil transaction).
/// </summary>
public sealed record DevnetLatency(LatencyStats SubmitToLocked, LatencyStats SubmitToFulfilled, LatencyStats Preflight,
    LatencyStats Proving, LatencyStats Overhead)
{
    public const string ClockNote =
        "submit->locked/fulfilled: chain time (block timestamps, 1 s resolution); preflight/proving: the brokers' wall clock";

    public static DevnetLatency Of(IReadOnlyList<RequestOutcome> requests) => new(
        LatencyStats.Of(requests.Select(r => r.SubmitToLockedSeconds)),
        LatencyStats.Of(requests.Select(r => r.SubmitToFulfilledSeconds)),
        LatencyStats.Of(requests.Select(r => r.PreflightSeconds)),
        LatencyStats.Of(requests.Select(r => r.ProvingSeconds)),
        LatencyStats.Of(requests.Select(r => r.OverheadSeconds)));

    public object ToJson() => new
    {
        clock = ClockNote,
        submit_to_locked_s = SubmitToLocked.ToJson(),
        submit_to_fulfilled_s = SubmitToFulfilled.ToJson(),
        preflight_s = Preflight.ToJson(),
        proving_s = Proving.ToJson(),
        overhead_s = Overhead.ToJson(),
    };
}
