using System.Collections.Concurrent;
using System.Numerics;
using Verity.Broker.Orders;
using Verity.Cluster.Broker;

namespace Verity.Broker.Metrics;

/// <summary>
/// The broker's metrics (docs/BROKER.md §7), rendered as <c>verity_broker_*</c> families into the node's /metrics:
/// orders by state and committed slots (a snapshot the host refreshes from the database), skips and losses by reason
/// code, locks won and lost, fulfilments, slashes, earnings and gas in wei, and preflight and proving latency
/// histograms. Thread-safe; amounts are kept as exact integers and shown as doubles.
/// </summary>
public sealed class BrokerMetrics
{
    /// <summary>Histogram bucket upper bounds, seconds: from a tiny preflight to a long proof.</summary>
    public static readonly double[] LatencyBuckets = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private readonly ConcurrentDictionary<string, long> _skips = new();
    private readonly ConcurrentDictionary<string, long> _lost = new();
    private readonly ConcurrentDictionary<string, long> _failed = new();
    private readonly object _gate = new();
    private IReadOnlyDictionary<OrderState, int> _states = Enum.GetValues<OrderState>().ToDictionary(s => s, _ => 0);
    private long _locksWon, _locksLost, _fulfilled, _slashes, _batches, _wouldLock;
    private BigInteger _earned, _gas, _bounty;
    private int _committed;
    private readonly Histogram _preflight = new(LatencyBuckets);
    private readonly Histogram _proving = new(LatencyBuckets);

    public void Skipped(string reason) => _skips.AddOrUpdate(reason, 1, (_, n) => n + 1);
    public void Lost(string reason) => _lost.AddOrUpdate(reason, 1, (_, n) => n + 1);
    public void Failed(string reason) => _failed.AddOrUpdate(reason, 1, (_, n) => n + 1);
    public void LockWon() => Interlocked.Increment(ref _locksWon);
    public void LockLost() => Interlocked.Increment(ref _locksLost);
    /// <summary>A listen-only broker decided it would lock (and sent nothing).</summary>
    public void WouldLock() => Interlocked.Increment(ref _wouldLock);
    public void Slashed() => Interlocked.Increment(ref _slashes);
    public void BatchSent() => Interlocked.Increment(ref _batches);

    public void Fulfilled(BigInteger earnedWei, BigInteger bounty)
    {
        Interlocked.Increment(ref _fulfilled);
        lock (_gate) { _earned += earnedWei; _bounty += bounty; }
    }

    public void GasSpent(BigInteger wei)
    {
        lock (_gate) _gas += wei;
    }

    public void PreflightSeconds(double seconds) => _preflight.Observe(seconds);
    public void ProvingSeconds(double seconds) => _proving.Observe(seconds);

    /// <summary>Replaces the orders-by-state snapshot and the committed slot count (from the database).</summary>
    public void SetStates(IReadOnlyDictionary<OrderState, int> counts)
    {
        var copy = Enum.GetValues<OrderState>().ToDictionary(s => s, s => counts.TryGetValue(s, out var n) ? n : 0);
        Volatile.Write(ref _states, copy);
        Volatile.Write(ref _committed, copy.Where(kv => kv.Key.IsCommitted()).Sum(kv => kv.Value));
    }

    public long LocksWon => Interlocked.Read(ref _locksWon);
    public long LocksLost => Interlocked.Read(ref _locksLost);
    public long FulfilledCount => Interlocked.Read(ref _fulfilled);
    public long WouldLockCount => Interlocked.Read(ref _wouldLock);
    public long SkipCount(string reason) => _skips.TryGetValue(reason, out var n) ? n : 0;

    /// <summary>Appends every broker family to <paramref name="text"/>.</summary>
    public void RenderPrometheus(PrometheusText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text.Family("verity_broker_orders", "gauge", "Orders by state (from the broker's database).");
        foreach (var (state, n) in Volatile.Read(ref _states).OrderBy(kv => kv.Key))
            text.Sample("verity_broker_orders", n, ("state", state.Name()));
        text.Family("verity_broker_committed_slots", "gauge", "Orders holding a proving slot (locking … submitting).");
        text.Sample("verity_broker_committed_slots", Volatile.Read(ref _committed));
        Reasons(text, "verity_broker_skips_total", "Orders skipped, by reason code (S-xxx).", _skips);
        Reasons(text, "verity_broker_lost_total", "Orders lost to another prover, by reason code (L-xxx).", _lost);
        Reasons(text, "verity_broker_failed_total", "Committed orders that failed, by reason code (F-xxx).", _failed);
        text.Family("verity_broker_locks_total", "counter", "Lock transactions by outcome (won: mined for this broker; lost: another prover was first).");
        text.Sample("verity_broker_locks_total", LocksWon, ("outcome", "won"));
        text.Sample("verity_broker_locks_total", LocksLost, ("outcome", "lost"));
        text.Family("verity_broker_would_lock_total", "counter", "Listen-only decisions to lock (nothing sent).");
        text.Sample("verity_broker_would_lock_total", WouldLockCount);
        text.Family("verity_broker_fulfilled_total", "counter", "Orders fulfilled on chain by this broker.");
        text.Sample("verity_broker_fulfilled_total", FulfilledCount);
        text.Family("verity_broker_batches_total", "counter", "Fulfilment transactions mined.");
        text.Sample("verity_broker_batches_total", Interlocked.Read(ref _batches));
        text.Family("verity_broker_slashes_total", "counter", "Locks of this broker seen slashed.");
        text.Sample("verity_broker_slashes_total", Interlocked.Read(ref _slashes));
        BigInteger earned, gas, bounty;
        lock (_gate) { earned = _earned; gas = _gas; bounty = _bounty; }
        text.Family("verity_broker_earned_wei_total", "counter", "Payments received for fulfilments, wei.");
        text.Sample("verity_broker_earned_wei_total", (double)earned);
        text.Family("verity_broker_bounty_total", "counter", "Secondary-fulfilment bounties received, stake-token base units.");
        text.Sample("verity_broker_bounty_total", (double)bounty);
        text.Family("verity_broker_gas_spent_wei_total", "counter", "Gas paid for lock and fulfil transactions, wei.");
        text.Sample("verity_broker_gas_spent_wei_total", (double)gas);
        _preflight.Render(text, "verity_broker_preflight_seconds", "Preflight (execute-only job) latency.");
        _proving.Render(text, "verity_broker_proving_seconds", "Proving latency, from job creation to a verified receipt.");
    }

    private static void Reasons(PrometheusText text, string name, string help, ConcurrentDictionary<string, long> counts)
    {
        text.Family(name, "counter", help);
        foreach (var (reason, n) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            text.Sample(name, n, ("reason", reason));
    }

    /// <summary>A cumulative Prometheus histogram.</summary>
    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length];
        private long _count;
        private double _sum;

        public void Observe(double value)
        {
            lock (this)
            {
                for (int i = 0; i < bounds.Length; i++) if (value <= bounds[i]) _counts[i]++;
                _count++;
                _sum += value;
            }
        }

        public void Render(PrometheusText text, string name, string help)
        {
            lock (this)
            {
                text.Family(name, "histogram", help);
                for (int i = 0; i < bounds.Length; i++)
                    text.Sample(name + "_bucket", _counts[i], ("le", PrometheusText.FormatValue(bounds[i])));
                text.Sample(name + "_bucket", _count, ("le", "+Inf"));
                text.Sample(name + "_sum", _sum);
                text.Sample(name + "_count", _count);
            }
        }
    }
}
