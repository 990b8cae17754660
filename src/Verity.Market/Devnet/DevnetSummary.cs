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
}

/// <summary>One prover's part: locks taken, fulfilments paid to it, and what it earned (wei; bounties in stake tokens).</summary>
public sealed record ProverSummary(string Address, int Locks, int Fulfilled, BigInteger EarnedWei, BigInteger BountyTokens);

/// <summary>
/// The devnet's outcome, computed from the market's events (<see cref="MarketEventLog"/>) and the chain's time for the
/// requests the bot submitted. <see cref="Lost"/> counts locked requests whose locker was not the one paid: the
/// lock expired and another prover fulfilled the request (its locker lost it).
/// </summary>
public sealed record DevnetSummary(int Submitted, int Locked, int Fulfilled, int Slashed, int ExpiredUnfulfilled, int Lost,
    IReadOnlyList<ProverSummary> Provers, IReadOnlyList<RequestOutcome> Requests)
{
    /// <summary>Every submitted request has ended (fulfilled, or expired with any lock slashed).</summary>
    public bool AllEnded => Requests.All(r => r.Ended);

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
            outcomes.Add(new RequestOutcome(s.Id, s, state, locked?.Prover, fill?.Prover, slashed));
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

    /// <summary>The --json object: submitted, locked, fulfilled, slashed, expired_unfulfilled, lost, provers.</summary>
    public object ToJson() => new
    {
        submitted = Submitted,
        locked = Locked,
        fulfilled = Fulfilled,
        slashed = Slashed,
        expired_unfulfilled = ExpiredUnfulfilled,
        lost = Lost,
        provers = Provers.Select(p => new
        {
            address = p.Address, locks = p.Locks, fulfilled = p.Fulfilled,
            earned_wei = p.EarnedWei.ToString(System.Globalization.CultureInfo.InvariantCulture),
            bounty_tokens = p.BountyTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }),
    };

    private static Dictionary<BigInteger, T> First<T>(IEnumerable<T> events, Func<T, BigInteger> id)
    {
        var first = new Dictionary<BigInteger, T>();
        foreach (var e in events) first.TryAdd(id(e), e);
        return first;
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
