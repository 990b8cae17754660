using System.Numerics;
using Verity.Chain.Contracts;
using Verity.Market.Settings;

namespace Verity.Market.Requests;

/// <summary>A request's body and its client signature, and where they were found.</summary>
public sealed record FoundRequest(ProofRequest Request, byte[] Signature, string Source);

/// <summary>
/// Finds a request's body by id: the chain's RequestLocked event (the body a lock fixed), then RequestSubmitted, then
/// the order stream (when <paramref name="offChain"/> is given).
/// </summary>
public static class RequestLookup
{
    public static async Task<FoundRequest?> FindAsync(MarketSession session, BigInteger id,
        Func<BigInteger, CancellationToken, Task<FoundRequest?>>? offChain, CancellationToken ct)
    {
        var locked = await session.Market.LockedLogsAsync(id, session.FromBlock, ct).ConfigureAwait(false);
        if (locked.Count > 0) return new FoundRequest(locked[^1].Event.Request, locked[^1].Event.ClientSignature, "chain (RequestLocked)");
        var submitted = await session.Market.SubmittedLogsAsync(id, session.FromBlock, ct).ConfigureAwait(false);
        if (submitted.Count > 0) return new FoundRequest(submitted[^1].Event.Request, submitted[^1].Event.ClientSignature, "chain (RequestSubmitted)");
        return offChain is null ? null : await offChain(id, ct).ConfigureAwait(false);
    }

    /// <exception cref="MarketActionException">Not found anywhere.</exception>
    public static async Task<FoundRequest> RequireAsync(MarketSession session, BigInteger id,
        Func<BigInteger, CancellationToken, Task<FoundRequest?>>? offChain, CancellationToken ct) =>
        await FindAsync(session, id, offChain, ct).ConfigureAwait(false)
        ?? throw new MarketActionException($"request {RequestId.Format(id)} is unknown: no RequestSubmitted or RequestLocked event on chain {session.ChainId}"
            + (offChain is null ? " (and no --order-stream to look in)" : " and not in the order stream"));
}
