using Microsoft.Extensions.Logging;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Pricing;
using Verity.Chain.Contracts;

namespace Verity.Broker.Services;

/// <summary>
/// The committer (docs/BROKER.md §6.3). Each step first settles <c>locking</c> orders from the chain, then takes the
/// <c>waiting_to_lock</c> orders whose target time has come — priority requestors first, then by
/// <c>order_commitment_priority</c> — and dispatches them while slots (<c>max_concurrent_proofs</c>) are free, the
/// cluster is healthy and the broker is not draining. Feasibility is checked again with the committed work:
/// infeasible even on an idle cluster → <c>skipped (S-019)</c>, else it waits. A lock order goes to the
/// <see cref="LockerService"/>; a secondary order commits without a transaction once its lock deadline passed.
/// Listen-only: the decision "would lock at price P" is logged and stored, and nothing is sent.
/// Waiting orders whose expiry passed end <c>lost (L-003)</c>.
/// </summary>
public sealed class CommitterService(BrokerContext ctx, LockerService locker)
{
    private readonly ILogger _logger = ctx.Logs.CreateLogger("Verity.Broker.Committer");
    /// <summary>Orders whose "waiting because …" line was written, with the line: history gets each reason once.</summary>
    private readonly Dictionary<string, string> _noted = [];

    public async Task StepAsync(CancellationToken ct)
    {
        foreach (var locking in await ctx.Store.ListOrdersAsync([OrderState.Locking], 100_000, ct).ConfigureAwait(false))
            await locker.ResolveAsync(locking, ct).ConfigureAwait(false);

        var config = ctx.Config.Current;
        var now = await ctx.ChainTimeAsync(ct).ConfigureAwait(false);
        var waiting = await ctx.Store.ListOrdersAsync([OrderState.WaitingToLock], 100_000, ct).ConfigureAwait(false);
        var due = new List<Order>();
        foreach (var order in waiting)
        {
            // A lock mined after the lock deadline reverts; a secondary fill after the deadline pays nothing.
            if (now + 1 > order.Expiry)
            {
                await ctx.EndAsync(order, OrderState.Lost, ReasonCodes.LockTimedOutBeforeSend,
                    $"expiry {order.Expiry} passed (chain time {now}) before it was committed", ct).ConfigureAwait(false);
                _noted.Remove(order.Id);
            }
            else if ((order.TargetTime ?? 0) <= now + 1) due.Add(order);
        }
        if (due.Count == 0) return;
        if (ctx.Draining) { await NoteOnceAsync(due, "draining: no new commitments", ct).ConfigureAwait(false); return; }

        var committed = await ctx.CommittedWorkAsync(ct).ConfigureAwait(false);
        int slots = config.Market.MaxConcurrentProofs - committed.Orders;
        if (slots <= 0)
        {
            await NoteOnceAsync(due, $"no free proving slot ({committed.Orders} of max_concurrent_proofs {config.Market.MaxConcurrentProofs} in use)", ct)
                .ConfigureAwait(false);
            return;
        }
        var health = await ctx.Cluster.HealthAsync(ct).ConfigureAwait(false);
        if (!health.Healthy)
        {
            await NoteOnceAsync(due, $"cluster unhealthy: {string.Join(", ", health.Problems)}", ct).ConfigureAwait(false);
            return;
        }
        double khz = await ctx.ProvingKhzAsync(config, ct).ConfigureAwait(false);
        long margin = config.Batcher.EffectiveBlockDeadlineBufferSeconds;
        foreach (var order in Ordered(due, config))
        {
            if (slots <= 0) break;
            long cycles = order.Cycles ?? 0;
            if (!ProvingEstimate.Feasible(now, cycles, committed, khz, margin, order.Expiry))
            {
                if (!ProvingEstimate.Feasible(now, cycles, CommittedWork.None, khz, margin, order.Expiry))
                {
                    await ctx.EndAsync(order, OrderState.Skipped, ReasonCodes.DeadlineInfeasible,
                        $"{cycles} cycles at {khz:0.###} kHz cannot be proved {margin} s before {order.Expiry} (chain time {now})", ct).ConfigureAwait(false);
                    _noted.Remove(order.Id);
                }
                else await NoteOnceAsync([order], "waiting: not feasible with the work already committed", ct).ConfigureAwait(false);
                continue;
            }
            if (await DispatchAsync(order, now, ct).ConfigureAwait(false))
            {
                slots--;
                committed = committed with { Orders = committed.Orders + 1, Cycles = committed.Cycles + cycles };
                _noted.Remove(order.Id);
            }
        }
    }

    /// <returns>true when the order now holds a slot.</returns>
    private async Task<bool> DispatchAsync(Order order, ulong now, CancellationToken ct)
    {
        if (order.Type == FulfillmentType.FulfillAfterLockExpire)
        {
            // Past the lock deadline the request is open to any fill: commit without a transaction (the fill commits on chain).
            var state = await ctx.Market.RequestLockAsync(order.RequestId, ct).ConfigureAwait(false);
            if (state.FlagSet.HasFlag(RequestLockFlags.Fulfilled) || state.FlagSet.HasFlag(RequestLockFlags.Refunded))
            {
                await ctx.EndAsync(order, OrderState.Lost, ReasonCodes.FulfilledByOther, "already fulfilled on chain", ct).ConfigureAwait(false);
                return false;
            }
            if (ctx.ListenOnly) return await WouldAsync(order, "would prove for the bounty", ct).ConfigureAwait(false);
            var next = order with { State = OrderState.PendingProving };
            if (!await ctx.MoveAsync(next, OrderState.WaitingToLock, "decision", "committed to a secondary fulfilment (no lock)", ct).ConfigureAwait(false))
                return false;
            ctx.WakeProver.Set();
            return true;
        }
        if (ctx.ListenOnly)
            return await WouldAsync(order, $"would lock at {order.Request.Offer.PriceAt(now + 1)} wei (listen-only: nothing sent)", ct).ConfigureAwait(false);
        var (outcome, detail) = await locker.LockAsync(order, now, ct).ConfigureAwait(false);
        if (outcome == LockOutcome.NotNow) await NoteOnceAsync([order], $"waiting: {detail}", ct).ConfigureAwait(false);
        return outcome is LockOutcome.Locked or LockOutcome.Pending;
    }

    /// <summary>Listen-only: the decision is stored once per order and counted; the order stays waiting (no slot taken).</summary>
    private async Task<bool> WouldAsync(Order order, string line, CancellationToken ct)
    {
        if (_noted.TryGetValue(order.Id, out var prior) && prior.StartsWith("would", StringComparison.Ordinal)) return false;
        _noted[order.Id] = line;
        await ctx.NoteAsync(order, "decision", line, ct).ConfigureAwait(false);
        ctx.Metrics.WouldLock();
        _logger.LogInformation("order {Order}: {Line}", order.Id, line);
        return false;
    }

    private async Task NoteOnceAsync(IEnumerable<Order> orders, string line, CancellationToken ct)
    {
        foreach (var order in orders)
        {
            if (_noted.TryGetValue(order.Id, out var prior) && prior == line) continue;
            _noted[order.Id] = line;
            await ctx.NoteAsync(order, "decision", line, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Priority requestors first, then by order_commitment_priority.</summary>
    internal IEnumerable<Order> Ordered(IEnumerable<Order> orders, BrokerConfig config)
    {
        var list = orders.ToList();
        var random = list.ToDictionary(o => o.Id, _ => Random.Shared.NextDouble());
        var sorted = list.OrderByDescending(o => ctx.IsPriorityRequestor(config, o.Requestor));
        return config.Market.OrderCommitmentPriority switch
        {
            CommitmentPriority.ShortestExpiry => sorted.ThenBy(o => o.Expiry),
            CommitmentPriority.Price => sorted.ThenByDescending(o => (double)o.Request.Offer.MaxPrice),
            CommitmentPriority.CyclePrice => sorted.ThenByDescending(o => (double)o.Request.Offer.MaxPrice / Math.Max(1, o.Cycles ?? 1)),
            CommitmentPriority.TightestDeadline => sorted.ThenBy(o => (double)o.Expiry - (o.Cycles ?? 0)),
            _ => sorted.ThenBy(o => random[o.Id]),
        };
    }
}
