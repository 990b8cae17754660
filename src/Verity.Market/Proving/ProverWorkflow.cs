using System.Numerics;
using Verity.Chain.Contracts;
using Verity.Market.Requests;
using Verity.Market.Settings;

namespace Verity.Market.Proving;

/// <summary>A lock taken: at what price and collateral.</summary>
public sealed record Locked(BigInteger Id, BigInteger Price, BigInteger Collateral, ulong LockDeadline, string? TransactionHash);

/// <summary>A request proved and checked by this prover, ready to fulfil.</summary>
public sealed record ProvedRequest(FoundRequest Found, byte[] Journal);

/// <summary>
/// The prover's side: lock (after checking status, price, funds and stake, so that a refusal names its reason before
/// any gas is spent), price, slash, and fulfil with development seals — only on a development deployment.
/// </summary>
public static class ProverWorkflow
{
    public const string DevelopmentNote = "verified off chain by the prover; development verifier on chain";

    public static async Task<Locked> LockAsync(MarketSession session, FoundRequest found, CancellationToken ct)
    {
        var request = found.Request;
        var id = RequestId.Format(request.Id);
        var status = await session.Market.RequestStatusAsync(request.Id, ct).ConfigureAwait(false);
        if (status != RequestStatus.Unknown)
            throw new MarketActionException($"request {id} cannot be locked: it is already {status.ToString().ToLowerInvariant()} (RequestIs{status})");
        var now = await session.ChainTimeAsync(ct).ConfigureAwait(false);
        // The next block is at least one second later: price it there, as the contract will.
        if (now + 1 > request.Offer.LockDeadline)
            throw new MarketActionException($"request {id} cannot be locked: its lock deadline {request.Offer.LockDeadline} has passed (chain time {now}; RequestLockIsExpired)");
        var price = request.Offer.PriceAt(now + 1);
        var requestor = RequestId.Requestor(request.Id);
        var funds = await session.Market.BalanceOfAsync(requestor, ct).ConfigureAwait(false);
        if (funds < price)
            throw new MarketActionException($"request {id} cannot be locked: the requestor {requestor} has {funds} wei in the market, less than the price {price} (InsufficientBalance)");
        var stake = await session.Market.StakeBalanceOfAsync(session.Address, ct).ConfigureAwait(false);
        if (stake < request.Offer.LockCollateral)
            throw new MarketActionException($"request {id} cannot be locked: your stake in the market is {stake}, the request needs {request.Offer.LockCollateral} as collateral (InsufficientStake; `verity account deposit-stake`)");
        var receipt = await session.Market.LockRequestAsync(request, found.Signature, ct).ConfigureAwait(false);
        var taken = await session.Market.RequestLockAsync(request.Id, ct).ConfigureAwait(false);
        return new Locked(request.Id, taken.Price, taken.Collateral, taken.LockDeadline, receipt.TransactionHash);
    }

    /// <summary>
    /// Fulfils the proved requests in one transaction with development seals. Refused unless the deployment is a
    /// development one: no STARK verifier exists on chain yet, and a development seal proves nothing to anyone else.
    /// </summary>
    public static async Task<string?> FulfillAsync(MarketSession session, IReadOnlyList<ProvedRequest> proved, CancellationToken ct,
        bool unlockedAtRisk = false)
    {
        RequireDevelopment(session);
        var now = await session.ChainTimeAsync(ct).ConfigureAwait(false);
        var fills = new List<Fulfillment>();
        foreach (var p in proved)
        {
            var request = p.Found.Request;
            await CheckFulfillableAsync(session, request, now, ct, unlockedAtRisk).ConfigureAwait(false);
            fills.Add(new Fulfillment
            {
                Request = request,
                ClientSignature = p.Found.Signature,
                Journal = p.Journal,
                Seal = DevelopmentSeal.Create(request.Requirements.ImageId, p.Journal),
            });
        }
        try
        {
            // Open-path fills are committed first (commit-reveal, docs/MARKET.md): a copy of the fill pays nobody else.
            var receipt = await session.Market.FulfillAsync(fills, ct).ConfigureAwait(false);
            return receipt.TransactionHash;
        }
        catch (FillPreemptedException e)
        {
            throw new MarketActionException(
                $"request {RequestId.Format(e.RequestId)} was locked by {e.Locker} before this prover's fulfilment commitment was mined; " +
                "the fill was not sent (it would have paid the locker), so the proof stays private (RequestIsCommitted race lost)");
        }
        catch (FillPaysLockerException e)
        {
            throw new MarketActionException(LockedByOther(RequestId.Format(e.RequestId), e.Locker, e.LockDeadline));
        }
        catch (FillCommittedByOtherException e)
        {
            throw new MarketActionException(
                $"request {RequestId.Format(e.RequestId)}: {e.Committer} committed to fulfilling it first and holds it until block {e.UntilBlock} " +
                "(RequestCommittedByOther); the fill was not sent, so the proof stays private. Retry after that block.");
        }
    }

    /// <summary>
    /// Why the market would refuse a fill of this request now (already fulfilled or refunded, past its deadline, a
    /// selector no verifier here serves), thrown before anything is proved or sent.
    /// </summary>
    /// <param name="unlockedAtRisk">
    /// fulfil a request nobody locked although it pays a price: the market pays it only if the requestor still has the
    /// price when the fill is mined, and a fill that reverts publishes the proof (docs/MARKET.md, "Accepted risks").
    /// </param>
    public static async Task CheckFulfillableAsync(MarketSession session, ProofRequest request, ulong chainTime, CancellationToken ct,
        bool unlockedAtRisk = false)
    {
        var id = RequestId.Format(request.Id);
        var status = await session.Market.RequestStatusAsync(request.Id, ct).ConfigureAwait(false);
        if (status is RequestStatus.Fulfilled or RequestStatus.Refunded)
            throw new MarketActionException($"request {id} cannot be fulfilled: it is already {status.ToString().ToLowerInvariant()} (RequestIs{status})");
        if (status == RequestStatus.Unknown && !unlockedAtRisk && request.Offer.PriceAt(chainTime + 1) > 0)
            throw new MarketActionException(
                $"request {id} is not locked: an unlocked fill is paid only if the requestor still has the price when it is mined, " +
                "and a fill that reverts publishes the proof. Lock it first (`verity proving lock`), or pass --unlocked-at-risk.");
        if (status == RequestStatus.Locked)
        {
            // An in-time fill of someone else's lock pays that locker the price and its collateral for this prover's proof.
            var state = await session.Market.RequestLockAsync(request.Id, ct).ConfigureAwait(false);
            if (chainTime + 1 <= state.LockDeadline && !string.Equals(state.Prover, session.Address, StringComparison.OrdinalIgnoreCase))
                throw new MarketActionException(LockedByOther(id, state.Prover, state.LockDeadline));
        }
        // The next block is at least one second later.
        if (chainTime + 1 > request.Offer.Deadline)
            throw new MarketActionException($"request {id} cannot be fulfilled: its deadline {request.Offer.Deadline} has passed (chain time {chainTime}; RequestIsExpired)");
        if (!request.Requirements.Selector.AsSpan().SequenceEqual(DevelopmentSeal.Selector))
            throw new MarketActionException($"request {id} wants verifier selector 0x{Convert.ToHexStringLower(request.Requirements.Selector)}; only the development verifier (0xdeadc0de) exists (SelectorMismatch)");
    }

    private static string LockedByOther(string id, string locker, ulong lockDeadline) =>
        $"request {id} is locked by {locker} until {lockDeadline} (chain time): a fill before then pays the locker, not you. " +
        "Fulfil it after the lock deadline (the locker is slashed and the fill pays you its bounty).";

    public static void RequireDevelopment(MarketSession session)
    {
        if (session.Settings.IsDevelopment && session.ChainId == Chain.Anvil.AnvilProcess.DevelopmentChainId) return;
        throw new MarketActionException(
            $"refusing to fulfil on chain {session.ChainId}: no on-chain STARK verifier exists yet, and development seals are sent only to a devnet " +
            "(a deployment file that says developmentMode, for this market, on chain 31337)");
    }
}
