using System.Numerics;
using Microsoft.Extensions.Logging;
using Nethereum.RPC.Eth.DTOs;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;
using Verity.Chain.Transactions;

namespace Verity.Broker.Services;

/// <summary>What a lock attempt came to.</summary>
public enum LockOutcome { Locked, Lost, Failed, NotNow, Pending }

/// <summary>
/// The only sender of lock transactions (docs/BROKER.md §3, §6.3), one at a time. The order is stored in
/// <c>locking</c> before the transaction is sent and its hash stored as soon as it is known; a <c>locking</c> order
/// (after a crash, or an RPC failure mid-send) is resolved from the chain's <c>requestLock</c>: locked by us →
/// <c>pending_proving</c> with the mined price; by another → <c>lost (L-001)</c>; not locked → <c>waiting_to_lock</c>
/// again if the lock deadline allows, else <c>lost (L-003)</c>; a stored transaction still pending keeps it locking.
/// </summary>
public sealed class LockerService
{
    private readonly BrokerContext _ctx;
    private readonly MarketContract _market;
    private readonly ILogger _logger;
    /// <summary>The order whose lock is being sent: the sender's progress callback stores the hash on it.</summary>
    private Order? _sending;

    /// <param name="senderFactory">makes the locker's transaction sender, given the progress callback to install.</param>
    public LockerService(BrokerContext ctx, Func<Func<TransactionProgress, CancellationToken, Task>, ITransactionSender> senderFactory)
    {
        _ctx = ctx;
        _logger = ctx.Logs.CreateLogger("Verity.Broker.Locker");
        _market = ctx.Market.With(senderFactory(OnProgressAsync));
    }

    private async Task OnProgressAsync(TransactionProgress p, CancellationToken ct)
    {
        if (_sending is not { } order || p.Stage is not (TransactionStage.Broadcast or TransactionStage.Replaced or TransactionStage.Rebroadcast)) return;
        var withHash = order with { LockTransaction = p.Hash };
        if (await _ctx.MoveAsync(withHash, OrderState.Locking, "lock", $"lock transaction {p.Hash} {p.Stage.ToString().ToLowerInvariant()}", ct)
                .ConfigureAwait(false))
            _sending = withHash;
    }

    /// <summary>
    /// Locks <paramref name="order"/> (in <c>waiting_to_lock</c>) after the last checks against the chain: on-chain
    /// status unknown, auction price now ≥ minimum, requestor funds ≥ price, gas now × lock estimate ≤ price, stake ≥
    /// collateral. NotNow: a check failed that may pass later (the order stays waiting).
    /// </summary>
    public async Task<(LockOutcome Outcome, string Detail)> LockAsync(Order order, ulong now, CancellationToken ct)
    {
        var config = _ctx.Config.Current.Market;
        var request = order.Request;
        var status = await _ctx.Market.RequestStatusAsync(order.RequestId, ct).ConfigureAwait(false);
        if (status != RequestStatus.Unknown)
        {
            var state = await _ctx.Market.RequestLockAsync(order.RequestId, ct).ConfigureAwait(false);
            string why = status == RequestStatus.Locked ? $"locked by {state.Prover}" : $"already {status.ToString().ToLowerInvariant()}";
            string code = status == RequestStatus.Locked ? ReasonCodes.LockedByOther : ReasonCodes.FulfilledByOther;
            await _ctx.EndAsync(order, OrderState.Lost, code, why, ct).ConfigureAwait(false);
            return (LockOutcome.Lost, why);
        }
        // The lock is mined in a later block: at least one second later.
        var price = request.Offer.PriceAt(now + 1);
        if (order.MinimumPrice is { } min && price < min) return (LockOutcome.NotNow, $"auction price {price} wei below the minimum {min} wei");
        var gas = await _ctx.GasPriceAsync(ct).ConfigureAwait(false) * config.LockinGasEstimate;
        if (!config.SkipGasProfitabilityCheck && gas > price) return (LockOutcome.NotNow, $"lock gas {gas} wei over the price {price} wei");
        var funds = await _ctx.Market.BalanceOfAsync(order.Requestor, ct).ConfigureAwait(false);
        if (funds < price) return (LockOutcome.NotNow, $"requestor has {funds} wei, less than the price {price} wei ({ReasonCodes.RequestorUnfunded})");
        var stake = await _ctx.Market.StakeBalanceOfAsync(_ctx.Address, ct).ConfigureAwait(false);
        if (stake < request.Offer.LockCollateral)
            return (LockOutcome.NotNow, $"stake {stake} below the collateral {request.Offer.LockCollateral} ({ReasonCodes.InsufficientStake})");

        var locking = order with { State = OrderState.Locking };
        // Stored before anything is sent: a crash from here on is resolved from the chain, never locked twice.
        if (!await _ctx.MoveAsync(locking, OrderState.WaitingToLock, "lock", $"locking at about {price} wei", ct).ConfigureAwait(false))
            return (LockOutcome.NotNow, "moved by another service");
        _sending = locking;
        try
        {
            var receipt = await _market.LockRequestAsync(request, order.Signature, ct).ConfigureAwait(false);
            var current = _sending;
            var taken = await _ctx.Market.RequestLockAsync(order.RequestId, ct).ConfigureAwait(false);
            var locked = current with
            {
                State = OrderState.PendingProving,
                LockTransaction = receipt.TransactionHash,
                LockPrice = taken.Price,
                LockCollateral = taken.Collateral,
                LockBlock = (ulong)receipt.BlockNumber.Value,
                GasSpentWei = current.GasSpentWei + BrokerContext.GasCost(receipt),
            };
            await _ctx.MoveAsync(locked, OrderState.Locking, "lock",
                $"locked at {taken.Price} wei in block {locked.LockBlock} ({receipt.TransactionHash})", ct).ConfigureAwait(false);
            _ctx.Metrics.LockWon();
            _ctx.Metrics.GasSpent(BrokerContext.GasCost(receipt));
            _logger.LogInformation("locked {Order} at {Price} wei", order.Id, taken.Price);
            _ctx.WakeProver.Set();
            return (LockOutcome.Locked, $"locked at {taken.Price} wei");
        }
        catch (TransactionRevertedException e)
        {
            var current = _sending;
            var name = MarketErrors.Name(e.RevertData);
            BigInteger gasSpent = 0;
            if (e.TransactionHash is { } hash
                && await _ctx.Web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash).WaitAsync(ct).ConfigureAwait(false) is { } r)
                gasSpent = BrokerContext.GasCost(r);
            _ctx.Metrics.GasSpent(gasSpent);
            var after = current with { GasSpentWei = current.GasSpentWei + gasSpent };
            var chain = await _ctx.Market.RequestLockAsync(order.RequestId, ct).ConfigureAwait(false);
            bool lockedByOther = chain.FlagSet.HasFlag(RequestLockFlags.Locked) && !_ctx.IsUs(chain.Prover);
            if (name == "RequestIsLocked" || lockedByOther)
            {
                _ctx.Metrics.LockLost();
                string detail = $"lock reverted {name ?? e.Reason}: locked by {chain.Prover}";
                await _ctx.EndAsync(after, OrderState.Lost, ReasonCodes.LockedByOther, detail, ct).ConfigureAwait(false);
                return (LockOutcome.Lost, detail);
            }
            string failed = $"lock reverted: {e.Reason ?? name ?? "no reason"}";
            await _ctx.EndAsync(after, OrderState.Failed, ReasonCodes.LockReverted, failed, ct).ConfigureAwait(false);
            return (LockOutcome.Failed, failed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unknown whether it went out: resolved from the chain (now, and at every step until settled).
            _logger.LogWarning("lock of {Order} ended without an answer ({Error}); resolving from the chain", order.Id, e.Message);
            return await ResolveAsync(_sending!, ct).ConfigureAwait(false);
        }
        finally
        {
            _sending = null;
        }
    }

    /// <summary>Settles a <c>locking</c> order from the chain (docs/BROKER.md §3).</summary>
    public async Task<(LockOutcome Outcome, string Detail)> ResolveAsync(Order order, CancellationToken ct)
    {
        var chain = await _ctx.Market.RequestLockAsync(order.RequestId, ct).ConfigureAwait(false);
        var flags = chain.FlagSet;
        if (flags.HasFlag(RequestLockFlags.Locked) && _ctx.IsUs(chain.Prover)
            && chain.RequestDigest.AsSpan().SequenceEqual(order.RequestDigest))
        {
            var logs = await _ctx.Market.LockedLogsAsync(order.RequestId, LockFrom(), ct).ConfigureAwait(false);
            var mine = logs.LastOrDefault(l => _ctx.IsUs(l.Event.Prover));
            var locked = order with
            {
                State = OrderState.PendingProving,
                LockPrice = chain.Price,
                LockCollateral = chain.Collateral,
                LockBlock = mine is null ? null : (ulong)mine.Log.BlockNumber.Value,
                LockTransaction = mine?.Log.TransactionHash ?? order.LockTransaction,
            };
            if (await _ctx.MoveAsync(locked, OrderState.Locking, "chain", $"resolved from the chain: locked by us at {chain.Price} wei", ct)
                    .ConfigureAwait(false))
            {
                _ctx.Metrics.LockWon();
                _ctx.WakeProver.Set();
            }
            return (LockOutcome.Locked, "locked by us");
        }
        if (flags.HasFlag(RequestLockFlags.Locked) || flags.HasFlag(RequestLockFlags.Fulfilled))
        {
            string detail = flags.HasFlag(RequestLockFlags.Locked) ? $"resolved from the chain: locked by {chain.Prover}" : "resolved from the chain: fulfilled";
            _ctx.Metrics.LockLost();
            await _ctx.EndAsync(order, OrderState.Lost, flags.HasFlag(RequestLockFlags.Locked) ? ReasonCodes.LockedByOther : ReasonCodes.FulfilledByOther,
                detail, ct).ConfigureAwait(false);
            return (LockOutcome.Lost, detail);
        }
        // Not locked. A stored transaction the node still holds unmined may yet lock it: wait for it.
        if (order.LockTransaction is { } hash)
        {
            var tx = await _ctx.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash).WaitAsync(ct).ConfigureAwait(false);
            if (tx is not null && tx.BlockNumber is null) return (LockOutcome.Pending, $"lock transaction {hash} is still pending");
        }
        var now = await _ctx.ChainTimeAsync(ct).ConfigureAwait(false);
        if (now + 1 <= order.Request.Offer.LockDeadline)
        {
            await _ctx.MoveAsync(order with { State = OrderState.WaitingToLock, LockTransaction = null }, OrderState.Locking, "chain",
                "resolved from the chain: not locked; waiting to lock again", ct).ConfigureAwait(false);
            return (LockOutcome.NotNow, "not locked");
        }
        await _ctx.EndAsync(order, OrderState.Lost, ReasonCodes.LockTimedOutBeforeSend, "resolved from the chain: not locked and the lock deadline passed", ct)
            .ConfigureAwait(false);
        return (LockOutcome.Lost, "lock deadline passed");
    }

    private static BlockParameter LockFrom() => BlockParameter.CreateEarliest();
}
