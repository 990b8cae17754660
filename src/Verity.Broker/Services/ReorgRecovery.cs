using Microsoft.Extensions.Logging;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;

namespace Verity.Broker.Services;

/// <summary>
/// What the broker does when the market's event cursor rewinds past a reorg (docs/BROKER.md §3): blocks after
/// <c>canonical</c> are gone, so whatever the broker learnt from them is read again from the canonical chain.
/// <list type="bullet">
/// <item>Our committed lock (pending_proving, proving, proved) mined after that block: still ours on chain → its
/// block, price and transaction are taken from the canonical lock; locked by another → <c>lost (L-001)</c>; not
/// locked → back to <c>waiting_to_lock</c> without its lock (its cluster job cancelled), so the committer locks it again
/// once, or <c>lost (L-003)</c> when the lock deadline passed. Never counted as locked when the chain says it is not.</item>
/// <item>An order we gave up as <c>lost (L-001)</c> whose request the chain now shows neither locked nor fulfilled →
/// <c>new</c> again: evaluated afresh.</item>
/// </list>
/// Submitting orders are left to the submitter: their fill either lands (the chain then says what was paid) or reverts.
/// </summary>
public sealed class ReorgRecovery(BrokerContext ctx)
{
    private static readonly OrderState[] LockHeld = [OrderState.PendingProving, OrderState.Proving, OrderState.Proved];
    private const int MaxRaces = 3;
    private readonly ILogger _logger = ctx.Logs.CreateLogger("Verity.Broker.Reorg");

    public async Task OnRewindAsync(ulong canonical, CancellationToken ct)
    {
        _logger.LogWarning("market events rewound to block {Block} (reorg): checking orders against the canonical chain", canonical);
        foreach (var order in await ctx.Store.ListOrdersAsync(LockHeld, 100_000, ct).ConfigureAwait(false))
        {
            if (order.Type != FulfillmentType.LockAndFulfill || order.LockBlock is { } b && b <= canonical) continue;
            await ReconcileLockAsync(order, canonical, ct).ConfigureAwait(false);
        }
        foreach (var order in await ctx.Store.ListOrdersAsync([OrderState.Lost], 100_000, ct).ConfigureAwait(false))
        {
            if (order.Type != FulfillmentType.LockAndFulfill || order.Reason != ReasonCodes.LockedByOther) continue;
            if (await ctx.Market.RequestStatusAsync(order.RequestId, ct).ConfigureAwait(false) != RequestStatus.Unknown) continue;
            var again = order with { State = OrderState.New, Reason = null, ReasonDetail = null };
            if (await ctx.MoveAsync(again, OrderState.Lost, "chain",
                    $"reorg: the lock that ended it is not on the canonical chain (rewound to block {canonical}); evaluating again", ct).ConfigureAwait(false))
                ctx.WakeEvaluator.Set();
        }
        ctx.WakeCommitter.Set();
    }

    private async Task ReconcileLockAsync(Order order, ulong canonical, CancellationToken ct)
    {
        var chain = await ctx.Market.RequestLockAsync(order.RequestId, ct).ConfigureAwait(false);
        var flags = chain.FlagSet;
        bool ours = flags.HasFlag(RequestLockFlags.Locked) && ctx.IsUs(chain.Prover) && chain.RequestDigest.AsSpan().SequenceEqual(order.RequestDigest);
        EventLogRef? mine = null;
        if (ours)
        {
            var logs = await ctx.Market.LockedLogsAsync(order.RequestId, null, ct).ConfigureAwait(false);
            if (logs.LastOrDefault(l => ctx.IsUs(l.Event.Prover)) is { } log)
                mine = new EventLogRef((ulong)log.Log.BlockNumber.Value, log.Log.TransactionHash);
        }
        if (flags.HasFlag(RequestLockFlags.Fulfilled) && !ours) return; // the submitter and discovery settle it (L-002)
        var now = await ctx.ChainTimeAsync(ct).ConfigureAwait(false);

        // The prover service may move it meanwhile (proving → proved): read it again and retry the compare-and-set.
        for (int race = 0; race < MaxRaces; race++, order = (await ctx.Store.GetOrderAsync(order.Id, ct).ConfigureAwait(false))!)
        {
            if (order is null || Array.IndexOf(LockHeld, order.State) < 0) return;
            if (ours)
            {
                if (mine is null || (mine.Block == order.LockBlock && mine.Transaction == order.LockTransaction)) return;
                var moved = order with { LockBlock = mine.Block, LockTransaction = mine.Transaction, LockPrice = chain.Price, LockCollateral = chain.Collateral };
                if (await ctx.MoveAsync(moved, order.State, "chain",
                        $"reorg: our lock is on the canonical chain in block {mine.Block} ({mine.Transaction}) at {chain.Price} wei", ct).ConfigureAwait(false))
                    return;
                continue;
            }
            if (flags.HasFlag(RequestLockFlags.Locked))
            {
                if (await ctx.EndAsync(order, OrderState.Lost, ReasonCodes.LockedByOther,
                        $"reorg: our lock in block {order.LockBlock} is gone; the canonical chain has it locked by {chain.Prover}", ct).ConfigureAwait(false))
                {
                    await CancelJobAsync(order, ct).ConfigureAwait(false);
                    return;
                }
                continue;
            }
            if (now + 1 > order.Request.Offer.LockDeadline)
            {
                if (await ctx.EndAsync(order, OrderState.Lost, ReasonCodes.LockTimedOutBeforeSend,
                        $"reorg: our lock in block {order.LockBlock} is not on the canonical chain and the lock deadline passed", ct).ConfigureAwait(false))
                {
                    await CancelJobAsync(order, ct).ConfigureAwait(false);
                    return;
                }
                continue;
            }
            var waiting = order with
            {
                State = OrderState.WaitingToLock, LockTransaction = null, LockPrice = null, LockCollateral = null, LockBlock = null,
                ProvingJobId = null, ProvingAttempts = 0, ProvingStartedAt = null, ProvedAt = null,
            };
            if (await ctx.MoveAsync(waiting, order.State, "chain",
                    $"reorg: our lock in block {order.LockBlock} is not on the canonical chain (rewound to block {canonical}); waiting to lock again", ct)
                    .ConfigureAwait(false))
            {
                _logger.LogWarning("order {Order}: our lock vanished in a reorg; waiting to lock again", order.Id);
                await CancelJobAsync(order, ct).ConfigureAwait(false);
                ctx.WakeCommitter.Set();
                return;
            }
        }
    }

    private async Task CancelJobAsync(Order order, CancellationToken ct)
    {
        if (order.State != OrderState.Proving || order.ProvingJobId is not { } job) return;
        try { await ctx.Cluster.CancelAsync(job, ct).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning("order {Order}: cancelling proving job {Job} failed: {Error}", order.Id, job, e.Message);
        }
    }

    private sealed record EventLogRef(ulong Block, string Transaction);
}
