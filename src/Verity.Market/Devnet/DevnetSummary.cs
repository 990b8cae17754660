using System.Numerics;
using Verity.Chain.Contracts;

namespace Verity.Market.Devnet;

/// <summary>Where one submitted request stands, from the chain's events and time.</summary>
public enum RequestOutcomeState
{
    /// <summary>Not locked, before its deadline.</summary>
    Open,
    /// <summary>Locked, before the lock deadline.</summary>
    Locked,
    /// <summary>Locked, the lock deadline passed, not fulfilled and not yet slashed.</summary>
    LockExpired,
    /// <summary>Slashed, before its deadline (another prover may still fulfil it for the bounty).</summary>
    Slashed,
    /// <summary>Fulfilled (ended).</summary>
    Fulfilled,
    /// <summary>Past its deadline unfulfilled, never locked or slashed (ended).</summary>
    Expired,
}

/// <summary>One submitted request's outcome.</summary>
/// <param name="LockedBy">the locker's address (null: never locked).</param>
/// <param name="FulfilledBy">who was paid for the fulfilment (null: not fulfilled).</param>
public sealed record RequestOutcome(BigInteger Id, SubmittedRequest Submitted, RequestOutcomeState State, string? LockedBy,
    string? FulfilledBy, bool WasSlashed)
{
    /// <summary>Fulfilled, or past its deadline with no lock left to slash: nothing more will happen to it.</summary>
    public bool Ended => State is RequestOutcomeState.Fulfilled or RequestOutcomeState.Expired;

    /// <summary>Chain seconds from the bot's submission to the block of its lock (null: not locked, or times not read).</summary>
    public double? SubmitToLockedSeconds { get; init; }
    /// <summary>Chain seconds from the bot's submission to the block of its fulfilment.</summary>
    public double? SubmitToFulfilledSeconds { get; init; }
    /// <summary>The fulfilling broker's preflight seconds for it (null: not fulfilled, or not read from its store).</summary>
    public double? PreflightSeconds { get; init; }
    /// <summary>The fulfilling broker's proving seconds (ProvingStartedAt → ProvedAt).</summary>
    public double? ProvingSeconds { get; init; }
    /// <summary>Submit → fulfilled minus proving: the broker's and the market's part of the latency.</summary>
    public double? OverheadSeconds => SubmitToFulfilledSeconds is { } total && ProvingSeconds is { } proving ? total - proving : null;
}

/// <summary>One prover's part: locks taken, fulfilments paid to it, and what it earned (wei; bounties in stake tokens).</summary>
public sealed record ProverSummary(string Address, int Locks, int Fulfilled, BigInteger EarnedWei, BigInteger BountyTokens);

/// <summary>
/// The devnet's outcome, computed from the market's events (<see cref="MarketEventLog"/>) and the chain's time for the
/// requests the bot submitted. <see cref="Lost"/> counts locked requests whose locker was not the one paid: the
/// lock expired and another prover fulfilled the request (its locker lost it). <see cref="FeasibleSlashed"/> counts
/// slashed locks of requests the bot did not make impossible: the soak's goal is 0.
/// </summary>
public sealed record DevnetSummary(int Submitted, int Locked, int Fulfilled, int Slashed, int ExpiredUnfulfilled, int Lost,
    IReadOnlyList<ProverSummary> Provers, IReadOnlyList<RequestOutcome> Requests)
{
    /// <summary>Every submitted request has ended (fulfilled, or expired with any lock slashed).</summary>
    public bool AllEnded => Requests.All(r => r.Ended);

    /// <summary>Slashed requests among those the bot meant to be feasible (not its impossible ones).</summary>
    public int FeasibleSlashed => Requests.Count(r => r.WasSlashed && !r.Submitted.Impossible);

    /// <summary>Latency figures over the requests (the broker-side ones after <see cref="WithBrokerTimings"/>).</summary>
    public DevnetLatency Latency => DevnetLatency.Of(Requests);

    /// <summary>
    /// Adds what the brokers recorded: for each fulfilled request, the preflight and proving seconds of the fulfilling
    /// prover's order (matched by request id and the address paid).
    /// </summary>
    public DevnetSummary WithBrokerTimings(IReadOnlyList<BrokerOrderTiming> timings)
    {
        ArgumentNullException.ThrowIfNull(timings);
        var requests = Requests.Select(r =>
        {
            if (r.FulfilledBy is null) return r;
            var t = timings.FirstOrDefault(t => t.RequestId == r.Id && Same(t.Prover, r.FulfilledBy));
            return t is null ? r : r with { PreflightSeconds = t.PreflightSeconds, ProvingSeconds = t.ProvingSeconds };
        }).ToList();
        return this with { Requests = requests };
    }

    /// <param name="provers">the devnet's provers, listed (in this order) even when they did nothing; others seen are added.</param>
    public static DevnetSummary Compute(IReadOnlyList<SubmittedRequest> submitted, MarketEventLog events, ulong chainTime,
        IReadOnlyList<string> provers)
    {
        var ids = submitted.Select(s => s.Id).ToHashSet();
        // One lock, one fulfilment and one slash per request at most (the contract's rules); the first of each counts.
        var locks = First(events.Locked.Where(e => ids.Contains(e.RequestId)), e => e.RequestId);
        var fills = First(events.Fulfilled.Where(e => ids.Contains(e.RequestId)), e => e.RequestId);
        var slashes = First(events.Slashed.Where(e => ids.Contains(e.RequestId)), e => e.RequestId);

        var outcomes = new List<RequestOutcome>();
        foreach (var s in submitted)
        {
            locks.TryGetValue(s.Id, out var locked);
            fills.TryGetValue(s.Id, out var fill);
            bool slashed = slashes.ContainsKey(s.Id);
            var state = fill != null ? RequestOutcomeState.Fulfilled
                : chainTime > s.Deadline && (locked == null || slashed) ? RequestOutcomeState.Expired
                : slashed ? RequestOutcomeState.Slashed
                : locked != null && chainTime > s.LockDeadline ? RequestOutcomeState.LockExpired
                : locked != null ? RequestOutcomeState.Locked
                : RequestOutcomeState.Open;
            outcomes.Add(new RequestOutcome(s.Id, s, state, locked?.Prover, fill?.Prover, slashed)
            {
                SubmitToLockedSeconds = Since(s, locked == null ? null : events.LockedAt),
                SubmitToFulfilledSeconds = Since(s, fill == null ? null : events.FulfilledAt),
            });
        }

        var addresses = new List<string>(provers);
        foreach (var a in locks.Values.Select(l => l.Prover).Concat(fills.Values.Select(f => f.Prover)))
            if (!addresses.Contains(a, StringComparer.OrdinalIgnoreCase)) addresses.Add(a);
        var perProver = addresses.Select(a => new ProverSummary(a,
            locks.Values.Count(l => Same(l.Prover, a)),
            fills.Values.Count(f => Same(f.Prover, a)),
            fills.Values.Where(f => Same(f.Prover, a)).Aggregate(BigInteger.Zero, (sum, f) => sum + f.Payment),
            fills.Values.Where(f => Same(f.Prover, a)).Aggregate(BigInteger.Zero, (sum, f) => sum + f.Bounty))).ToList();

        return new DevnetSummary(
            Submitted: submitted.Count,
            Locked: outcomes.Count(o => o.LockedBy != null),
            Fulfilled: outcomes.Count(o => o.State == RequestOutcomeState.Fulfilled),
            Slashed: outcomes.Count(o => o.WasSlashed),
            ExpiredUnfulfilled: outcomes.Count(o => o.State == RequestOutcomeState.Expired),
            Lost: outcomes.Count(o => o.LockedBy != null && o.FulfilledBy != null && !Same(o.LockedBy, o.FulfilledBy)),
            perProver, outcomes);
    }

    /// <summary>
    /// The --json object: submitted, locked, fulfilled, slashed, feasible_slashed, expired_unfulfilled, lost, provers,
    /// latency (median and max of each figure) and requests (each one's outcome and seconds).
    /// </summary>
    public object ToJson() => new
    {
        submitted = Submitted,
        locked = Locked,
        fulfilled = Fulfilled,
        slashed = Slashed,
        feasible_slashed = FeasibleSlashed,
        expired_unfulfilled = ExpiredUnfulfilled,
        lost = Lost,
        provers = Provers.Select(p => new
        {
            address = p.Address, locks = p.Locks, fulfilled = p.Fulfilled,
            earned_wei = p.EarnedWei.ToString(System.Globalization.CultureInfo.InvariantCulture),
            bounty_tokens = p.BountyTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }),
        latency = Latency.ToJson(),
        requests = Requests.Select(r => new
        {
            id = RequestId.Format(r.Id),
            guest = r.Submitted.Guest,
            cycles = r.Submitted.Cycles,
            impossible = r.Submitted.Impossible,
            off_chain = r.Submitted.OffChain,
            state = r.State.ToString().ToLowerInvariant(),
            locked_by = r.LockedBy,
            fulfilled_by = r.FulfilledBy,
            slashed = r.WasSlashed,
            submit_to_locked_s = r.SubmitToLockedSeconds,
            submit_to_fulfilled_s = r.SubmitToFulfilledSeconds,
            preflight_s = r.PreflightSeconds,
            proving_s = r.ProvingSeconds,
            overhead_s = r.OverheadSeconds,
        }),
    };

    private static double? Since(SubmittedRequest s, IReadOnlyDictionary<BigInteger, ulong>? times) =>
        times != null && times.TryGetValue(s.Id, out var at) ? (double)at - s.SubmittedAtChainTime : null;

    private static Dictionary<BigInteger, T> First<T>(IEnumerable<T> events, Func<T, BigInteger> id)
    {
        var first = new Dictionary<BigInteger, T>();
        foreach (var e in events) first.TryAdd(id(e), e);
        return first;
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
