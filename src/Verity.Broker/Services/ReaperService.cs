using Microsoft.Extensions.Logging;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;

namespace Verity.Broker.Services;

/// <summary>
/// The reaper (docs/BROKER.md §6.6): committed orders past their expiry + <c>reaper_grace_period_secs</c> (chain
/// time) that the chain does not show fulfilled → <c>failed (F-002)</c> (their proving job cancelled when
/// <c>cancel_proving_expired_orders</c>); skipped and lost orders older than <c>skipped_retention_hours</c> are
/// deleted. Locking orders are left to the committer, which resolves them from the chain.
/// </summary>
public sealed class ReaperService(BrokerContext ctx)
{
    private readonly ILogger _logger = ctx.Logs.CreateLogger("Verity.Broker.Reaper");

    public async Task StepAsync(CancellationToken ct)
    {
        var config = ctx.Config.Current;
        var now = await ctx.ChainTimeAsync(ct).ConfigureAwait(false);
        ulong grace = (ulong)Math.Max(0, config.Prover.ReaperGracePeriodSeconds);
        var committed = await ctx.Store.ListOrdersAsync(
            [OrderState.PendingProving, OrderState.Proving, OrderState.Proved, OrderState.Submitting], 100_000, ct).ConfigureAwait(false);
        foreach (var order in committed.Where(o => o.Expiry + grace < now))
        {
            var state = await ctx.Market.RequestLockAsync(order.RequestId, ct).ConfigureAwait(false);
            if (state.FlagSet.HasFlag(RequestLockFlags.Fulfilled)) continue; // the submitter or discovery records it
            if (await ctx.EndAsync(order, OrderState.Failed, ReasonCodes.DeadlinePassed,
                    $"expiry {order.Expiry} + grace {grace} s passed (chain time {now}) in state {order.State.Name()}", ct).ConfigureAwait(false))
            {
                _logger.LogError("order {Order} missed its expiry {Expiry} in state {State}", order.Id, order.Expiry, order.State.Name());
                if (order is { State: OrderState.Proving, ProvingJobId: { } job } && config.Market.CancelProvingExpiredOrders)
                    await ctx.Cluster.CancelAsync(job, ct).ConfigureAwait(false);
            }
        }
        int pruned = await ctx.Store.PruneAsync(DateTimeOffset.UtcNow - TimeSpan.FromHours(Math.Max(0, config.Prover.SkippedRetentionHours)), ct)
            .ConfigureAwait(false);
        if (pruned > 0) _logger.LogInformation("deleted {Count} skipped/lost order(s) past skipped_retention_hours", pruned);
        ctx.Metrics.SetStates(await ctx.Store.CountsAsync(ct).ConfigureAwait(false));
    }
}
