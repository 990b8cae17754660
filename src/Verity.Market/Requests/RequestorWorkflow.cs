using System.Numerics;
using Verity.Chain.Contracts;
using Verity.Market.Settings;

namespace Verity.Market.Requests;

/// <summary>What a submission did.</summary>
public sealed record Submitted(ProofRequest Request, byte[] Signature, byte[] Digest, BigInteger Deposited, string? TransactionHash);

/// <summary>A request's state: the contract's status, and what the events and the clock add to it.</summary>
public sealed record RequestState(BigInteger Id, RequestStatus Status, string Phase, RequestLock? Lock, FoundRequest? Found, ulong ChainTime);

/// <summary>A fulfilment as the chain recorded it, checked by the requestor.</summary>
public sealed record CheckedFulfilment(BigInteger Id, string Prover, byte[] Journal, byte[] Seal, BigInteger Payment, string SealVerdict, bool DevelopmentSeal);

/// <summary>The requestor's side: submit on chain, read a request's state, wait for and check its fulfilment.</summary>
public static class RequestorWorkflow
{
    /// <summary>Signs and submits on chain; value = maxPrice when the requestor's market balance is below it.</summary>
    public static async Task<Submitted> SubmitOnChainAsync(MarketSession session, ProofRequest request, CancellationToken ct)
    {
        var signature = session.Sign(request);
        var balance = await session.Market.BalanceOfAsync(session.Address, ct).ConfigureAwait(false);
        var value = balance < request.Offer.MaxPrice ? request.Offer.MaxPrice : BigInteger.Zero;
        var receipt = await session.Market.SubmitRequestAsync(request, signature, value, ct).ConfigureAwait(false);
        return new Submitted(request, signature, new RequestDigest(session.ChainId, session.Market.Address).Hash(request), value, receipt.TransactionHash);
    }

    /// <summary>Signs for the order stream; deposits the shortfall first so that the stream (which checks funds) and a locker find them.</summary>
    public static async Task<(byte[] Signature, BigInteger Deposited)> PrepareOffChainAsync(MarketSession session, ProofRequest request, CancellationToken ct)
    {
        var balance = await session.Market.BalanceOfAsync(session.Address, ct).ConfigureAwait(false);
        var shortfall = request.Offer.MaxPrice - balance;
        if (shortfall > 0) await session.Market.DepositAsync(shortfall, ct).ConfigureAwait(false);
        return (session.Sign(request), shortfall > 0 ? shortfall : BigInteger.Zero);
    }

    public static async Task<RequestState> StateAsync(MarketSession session, BigInteger id,
        Func<BigInteger, CancellationToken, Task<FoundRequest?>>? offChain, CancellationToken ct)
    {
        var status = await session.Market.RequestStatusAsync(id, ct).ConfigureAwait(false);
        var now = await session.ChainTimeAsync(ct).ConfigureAwait(false);
        var found = await RequestLookup.FindAsync(session, id, offChain, ct).ConfigureAwait(false);
        RequestLock? requestLock = status == RequestStatus.Unknown ? null : await session.Market.RequestLockAsync(id, ct).ConfigureAwait(false);
        string phase = status switch
        {
            RequestStatus.Unknown when found is null => "unknown",
            RequestStatus.Unknown when now > found.Request.Offer.Deadline => "expired",
            RequestStatus.Unknown when now > found.Request.Offer.LockDeadline => "open (lock deadline passed; fulfil without a lock until the deadline)",
            RequestStatus.Unknown => "open",
            RequestStatus.Locked when now > requestLock!.Deadline => "locked, expired (refundable)",
            RequestStatus.Locked when now > requestLock!.LockDeadline => "locked, lock expired (slashable)",
            RequestStatus.Locked => "locked",
            RequestStatus.Fulfilled => "fulfilled",
            RequestStatus.Slashed => "slashed",
            RequestStatus.Refunded => "refunded",
            _ => status.ToString().ToLowerInvariant(),
        };
        return new RequestState(id, status, phase, requestLock, found, now);
    }

    /// <summary>
    /// The fulfilment, once RequestFulfilled is on chain (null before): the journal checked against the request's
    /// predicate and the seal against the router's verify view.
    /// </summary>
    public static async Task<CheckedFulfilment?> FulfilmentAsync(MarketSession session, BigInteger id, ProofRequest request, CancellationToken ct)
    {
        var logs = await session.Market.FulfilledLogsAsync(id, session.FromBlock, ct).ConfigureAwait(false);
        if (logs.Count == 0) return null;
        var e = logs[^1].Event;
        if (PredicateCheck.Problem(request.Requirements.Predicate, e.Journal) is { } problem)
            throw new MarketActionException($"request {RequestId.Format(id)} was fulfilled with a journal that fails its predicate: {problem}");
        var router = await session.RouterAsync(ct).ConfigureAwait(false);
        var verdict = await router.VerifyAsync(e.Seal, request.Requirements.ImageId, ClaimDigest.Journal(e.Journal), ct).ConfigureAwait(false);
        if (!verdict.Accepted)
            throw new MarketActionException($"request {RequestId.Format(id)}: the router does not accept the fulfilment's seal: {verdict.Reason}");
        return new CheckedFulfilment(id, e.Prover, e.Journal, e.Seal, e.Payment, verdict.Reason, DevelopmentSeal.IsDevelopmentSeal(e.Seal));
    }
}
