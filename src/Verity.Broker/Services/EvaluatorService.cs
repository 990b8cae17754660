using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Pricing;

namespace Verity.Broker.Services;

/// <summary>
/// Evaluation (docs/BROKER.md §6.2): takes <c>new</c> orders — priority requestors first, then by
/// <c>order_pricing_priority</c> — moves each to <c>pricing</c> (compare-and-set, so it is evaluated once), runs
/// <see cref="IOrderEvaluator"/> with at most <c>max_concurrent_preflights</c> at once and stores the result with its
/// history. Orders a previous run left in <c>pricing</c> go back to <c>new</c> on start.
/// </summary>
public sealed class EvaluatorService(BrokerContext ctx, IOrderEvaluator evaluator)
{
    private readonly ILogger _logger = ctx.Logs.CreateLogger("Verity.Broker.Evaluator");
    private readonly ConcurrentDictionary<string, Task> _running = new();
    private bool _recovered;

    /// <summary>Orders being evaluated now.</summary>
    public int Running => _running.Count;

    public async Task StepAsync(CancellationToken ct)
    {
        if (!_recovered)
        {
            foreach (var stale in await ctx.Store.ListOrdersAsync([OrderState.Pricing], 100_000, ct).ConfigureAwait(false))
                await ctx.MoveAsync(stale with { State = OrderState.New }, OrderState.Pricing, "decision",
                    "pricing was interrupted by a restart: evaluated again", ct).ConfigureAwait(false);
            _recovered = true;
        }
        var config = ctx.Config.Current;
        int free = Math.Max(0, config.Market.MaxConcurrentPreflights) - _running.Count;
        if (free <= 0) return;
        var waiting = await ctx.Store.ListOrdersAsync([OrderState.New], 100_000, ct).ConfigureAwait(false);
        foreach (var order in Ordered(waiting.Where(o => !_running.ContainsKey(o.Id)), config).Take(free))
        {
            var pricing = order with { State = OrderState.Pricing, Priority = ctx.IsPriorityRequestor(config, order.Requestor) };
            if (!await ctx.MoveAsync(pricing, OrderState.New, "decision", "pricing", ct).ConfigureAwait(false)) continue;
            // Runs beside this loop; the next step fills the free preflight slots.
            _running[order.Id] = Task.Run(() => EvaluateAsync(pricing, config, ct), CancellationToken.None);
        }
    }

    /// <summary>Priority requestors first, then by the configured pricing priority.</summary>
    internal IEnumerable<Order> Ordered(IEnumerable<Order> orders, BrokerConfig config)
    {
        var list = orders.ToList();
        var random = list.ToDictionary(o => o.Id, _ => Random.Shared.Next());
        return list.OrderByDescending(o => ctx.IsPriorityRequestor(config, o.Requestor))
            .ThenBy(o => config.Market.OrderPricingPriority switch
            {
                PricingPriority.ObservationTime => o.ObservedAt.ToUnixTimeMilliseconds(),
                PricingPriority.ShortestExpiry => (long)o.Expiry,
                _ => random[o.Id],
            });
    }

    private async Task EvaluateAsync(Order order, BrokerConfig config, CancellationToken ct)
    {
        try
        {
            var watch = Stopwatch.StartNew();
            var view = new MarketView(await ctx.ChainTimeAsync(ct).ConfigureAwait(false), await ctx.GasPriceAsync(ct).ConfigureAwait(false),
                await ctx.CommittedWorkAsync(ct).ConfigureAwait(false), await ctx.MeasuredKhzAsync(ct).ConfigureAwait(false));
            var result = await evaluator.EvaluateAsync(order, view, config, ct).ConfigureAwait(false);
            if (result.Order.Cycles is not null) ctx.Metrics.PreflightSeconds(watch.Elapsed.TotalSeconds);
            var next = result.Order;
            if (next.State is not (OrderState.WaitingToLock or OrderState.Skipped))
                throw new InvalidOperationException($"the evaluator returned order {order.Id} in state {next.State.Name()}, not waiting_to_lock or skipped");
            foreach (var e in result.Events) await ctx.Store.AddEventAsync(order.Id, e, ct).ConfigureAwait(false);
            string line = next.State == OrderState.Skipped
                ? $"skipped ({next.Reason}): {next.ReasonDetail}"
                : $"priced: minimum {next.MinimumPrice} wei, {next.Cycles} cycles, lock at chain time {next.TargetTime}";
            if (await ctx.MoveAsync(next, OrderState.Pricing, next.State == OrderState.Skipped ? "skip" : "decision", line, ct).ConfigureAwait(false))
            {
                _logger.LogInformation("order {Order}: {Line}", order.Id, line);
                if (next.State == OrderState.WaitingToLock) ctx.WakeCommitter.Set();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Left in pricing: the next start puts it back to new.
        }
        catch (Exception e)
        {
            // An evaluator bug or an RPC failure: evaluated again later rather than lost.
            _logger.LogError(e, "evaluating order {Order} failed: {Error}; it goes back to new", order.Id, e.Message);
            try
            {
                await ctx.MoveAsync(order with { State = OrderState.New }, OrderState.Pricing, "error", $"evaluation failed: {e.Message}", ct)
                    .ConfigureAwait(false);
            }
            catch (Exception inner) when (inner is not OperationCanceledException)
            {
                _logger.LogError(inner, "order {Order} stays in pricing until the next start", order.Id);
            }
        }
        finally
        {
            _running.TryRemove(order.Id, out _);
            ctx.WakeEvaluator.Set();
        }
    }

    /// <summary>Waits for the evaluations in flight (on stop).</summary>
    public Task DrainAsync() => Task.WhenAll(_running.Values);
}
