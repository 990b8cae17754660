using System.Numerics;
using Microsoft.Extensions.Logging;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Broker.Metrics;
using Verity.Broker.Orders;
using Verity.Broker.Pricing;
using Verity.Broker.Store;
using Verity.Chain.Contracts;

namespace Verity.Broker.Services;

/// <summary>
/// What every pipeline service shares: the market (read through the fallback RPC), this broker's address, the
/// store, the cluster, the configuration in force, the metrics, the wake-up signals between services and the
/// draining flag. Moving an order always goes through <see cref="MoveAsync"/>: compare-and-set on its state, one
/// history line, the metrics for its reason code.
/// </summary>
public sealed class BrokerContext
{
    public required IWeb3 Web3 { get; init; }
    /// <summary>The market for views; transactions go through each service's own sender.</summary>
    public required MarketContract Market { get; init; }
    public required string Address { get; init; }
    public required BigInteger ChainId { get; init; }
    public required RequestDigest Digest { get; init; }
    public required IBrokerStore Store { get; init; }
    public required IProvingCluster Cluster { get; init; }
    public required BrokerConfigSource Config { get; init; }
    public required BrokerMetrics Metrics { get; init; }
    public required ILoggerFactory Logs { get; init; }
    public bool ListenOnly { get; init; }
    public bool Development { get; init; }
    public string? CacheDir { get; init; }

    public WakeSignal WakeEvaluator { get; } = new();
    public WakeSignal WakeCommitter { get; } = new();
    public WakeSignal WakeProver { get; } = new();
    public WakeSignal WakeSubmitter { get; } = new();

    private volatile bool _draining;
    /// <summary>No new lock is taken; committed work is finished.</summary>
    public bool Draining { get => _draining; set => _draining = value; }

    public bool IsUs(string? address) => string.Equals(address, Address, StringComparison.OrdinalIgnoreCase);

    /// <summary>The market's clock now: the latest block's timestamp, or the wall clock when an idle chain lags it (<see cref="Verity.Chain.Rpc.ChainClock"/>).</summary>
    public Task<ulong> ChainTimeAsync(CancellationToken ct) => Verity.Chain.Rpc.ChainClock.NowAsync(Web3, ct: ct);

    public async Task<BigInteger> GasPriceAsync(CancellationToken ct) =>
        (await Web3.Eth.GasPrice.SendRequestAsync().WaitAsync(ct).ConfigureAwait(false)).Value;

    /// <summary>
    /// Work committed and not yet proved, from the database (so a restart rebuilds it): every committed order holds a
    /// slot; the cycles of those still to prove (locking, pending, proving) count toward feasibility.
    /// </summary>
    public async Task<CommittedWork> CommittedWorkAsync(CancellationToken ct)
    {
        var committed = await Store.ListOrdersAsync(Committed, 100_000, ct).ConfigureAwait(false);
        long cycles = committed.Where(o => o.State is OrderState.Locking or OrderState.PendingProving or OrderState.Proving)
            .Sum(o => o.Cycles ?? 0);
        return new CommittedWork(cycles, committed.Count);
    }

    public static readonly OrderState[] Committed =
        [OrderState.Locking, OrderState.PendingProving, OrderState.Proving, OrderState.Proved, OrderState.Submitting];

    /// <summary>
    /// The cluster's measured throughput: cycles over proving seconds of the last (up to 20) orders proved here; null
    /// before anything was proved.
    /// </summary>
    public async Task<double?> MeasuredKhzAsync(CancellationToken ct)
    {
        var done = await Store.ListOrdersAsync([OrderState.Proved, OrderState.Submitting, OrderState.Fulfilled], 200, ct).ConfigureAwait(false);
        var samples = done.Where(o => o is { Cycles: > 0, ProvingStartedAt: not null, ProvedAt: not null } && o.ProvedAt > o.ProvingStartedAt)
            .OrderByDescending(o => o.ProvedAt).Take(20).ToList();
        if (samples.Count == 0) return null;
        double cycles = samples.Sum(o => (double)o.Cycles!.Value);
        double seconds = samples.Sum(o => (o.ProvedAt!.Value - o.ProvingStartedAt!.Value).TotalSeconds);
        return seconds > 0 ? cycles / seconds / 1000.0 : null;
    }

    /// <summary>peak_prove_khz, else the measured throughput, else 1 kHz (docs/BROKER.md §4.1).</summary>
    public async Task<double> ProvingKhzAsync(BrokerConfig config, CancellationToken ct) =>
        config.Market.PeakProveKhz ?? await MeasuredKhzAsync(ct).ConfigureAwait(false) ?? 1.0;

    public bool IsPriorityRequestor(BrokerConfig config, string requestor) =>
        config.Market.PriorityRequestorAddresses.Any(a => string.Equals(a, requestor, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Stores <paramref name="next"/> if the order is still in <paramref name="expected"/>, with one history line; counts
    /// the reason code when it ends skipped, lost or failed. False when another service moved it first.
    /// </summary>
    public async Task<bool> MoveAsync(Order next, OrderState expected, string kind, string detail, CancellationToken ct)
    {
        if (!await Store.UpdateOrderAsync(next, expected, ct).ConfigureAwait(false)) return false;
        await Store.AddEventAsync(next.Id, new OrderEvent(DateTimeOffset.UtcNow, kind, detail), ct).ConfigureAwait(false);
        if (next.State != expected && next.Reason is { } reason)
        {
            switch (next.State)
            {
                case OrderState.Skipped: Metrics.Skipped(reason); break;
                case OrderState.Lost: Metrics.Lost(reason); break;
                case OrderState.Failed: Metrics.Failed(reason); break;
            }
        }
        return true;
    }

    /// <summary>Ends an order with a reason code (skipped, lost or failed) and its detail line.</summary>
    public Task<bool> EndAsync(Order order, OrderState state, string reason, string detail, CancellationToken ct) =>
        MoveAsync(order with { State = state, Reason = reason, ReasonDetail = detail }, order.State,
            state == OrderState.Skipped ? "skip" : state == OrderState.Lost ? "lost" : "error",
            $"{state.Name()} ({reason}): {detail}", ct);

    public Task NoteAsync(Order order, string kind, string detail, CancellationToken ct) =>
        Store.AddEventAsync(order.Id, new OrderEvent(DateTimeOffset.UtcNow, kind, detail), ct);

    /// <summary>Wall-clock time of chain time <paramref name="chainTime"/>, given the chain's now (anvil's clock may run ahead).</summary>
    public static DateTimeOffset WallTimeOf(ulong chainTime, ulong chainNow) =>
        DateTimeOffset.UtcNow + TimeSpan.FromSeconds((double)chainTime - chainNow);

    /// <summary>Gas paid by a mined transaction: gasUsed × effectiveGasPrice.</summary>
    public static BigInteger GasCost(TransactionReceipt receipt) =>
        (receipt.GasUsed?.Value ?? 0) * (receipt.EffectiveGasPrice?.Value ?? 0);
}
