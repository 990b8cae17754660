using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Numerics;
using Verity.Broker.Orders;

namespace Verity.Broker.Metrics;

/// <summary>
/// The broker's metrics (docs/BROKER.md §7, docs/METRICS.md): <c>verity_broker_*</c> instruments on the meter
/// <see cref="MeterName"/> — orders by state and committed slots (a snapshot refreshed from the database before each
/// scrape), skips and losses by reason code, locks won and lost, fulfilments, slashes, earnings and gas in wei, and
/// preflight and proving latency histograms. Thread-safe; amounts are kept as exact integers and observed as doubles.
/// </summary>
public sealed class BrokerMetrics : IDisposable
{
    public const string MeterName = "Verity.Broker";

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
    private readonly Meter _meter;
    private readonly Histogram<double> _preflight;
    private readonly Histogram<double> _proving;

    /// <param name="meters">The instance's meter factory (the node's, or the standalone broker's), so only its
    /// provider exports these instruments; null: an unscoped meter of its own.</param>
    public BrokerMetrics(IMeterFactory? meters = null)
    {
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableGauge("verity_broker_orders", ObserveStates, "{order}", "Orders by state (from the broker's database).");
        _meter.CreateObservableGauge("verity_broker_committed_slots", () => Volatile.Read(ref _committed), "{order}",
            "Orders holding a proving slot (locking … submitting).");
        _meter.CreateObservableCounter("verity_broker_skips", () => Reasons(_skips), "{order}", "Orders skipped, by reason code (S-xxx).");
        _meter.CreateObservableCounter("verity_broker_lost", () => Reasons(_lost), "{order}", "Orders lost to another prover, by reason code (L-xxx).");
        _meter.CreateObservableCounter("verity_broker_failed", () => Reasons(_failed), "{order}", "Committed orders that failed, by reason code (F-xxx).");
        _meter.CreateObservableCounter("verity_broker_locks", () => new[]
        {
            new Measurement<long>(LocksWon, new KeyValuePair<string, object?>("outcome", "won")),
            new Measurement<long>(LocksLost, new KeyValuePair<string, object?>("outcome", "lost")),
        }, "{transaction}", "Lock transactions by outcome (won: mined for this broker; lost: another prover was first).");
        _meter.CreateObservableCounter("verity_broker_would_lock", () => WouldLockCount, "{order}", "Listen-only decisions to lock (nothing sent).");
        _meter.CreateObservableCounter("verity_broker_fulfilled", () => FulfilledCount, "{order}", "Orders fulfilled on chain by this broker.");
        _meter.CreateObservableCounter("verity_broker_batches", () => Interlocked.Read(ref _batches), "{transaction}", "Fulfilment transactions mined.");
        _meter.CreateObservableCounter("verity_broker_slashes", () => SlashCount, "{lock}", "Locks of this broker seen slashed.");
        // Wei amounts outgrow a long: exact BigIntegers here, doubles when observed (as the text exposition showed them).
        _meter.CreateObservableCounter("verity_broker_earned_wei", () => Amount(() => _earned), "{wei}", "Payments received for fulfilments, wei.");
        _meter.CreateObservableCounter("verity_broker_bounty", () => Amount(() => _bounty), "{token}",
            "Secondary-fulfilment bounties received, stake-token base units.");
        _meter.CreateObservableCounter("verity_broker_gas_spent_wei", () => Amount(() => _gas), "{wei}", "Gas paid for lock and fulfil transactions, wei.");
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets };
        _preflight = _meter.CreateHistogram("verity_broker_preflight_seconds", "s", "Preflight (execute-only job) latency.", tags: null, advice: buckets);
        _proving = _meter.CreateHistogram("verity_broker_proving_seconds", "s", "Proving latency, from job creation to a verified receipt.",
            tags: null, advice: buckets);
    }

    /// <summary>The instruments' meter (named <see cref="MeterName"/>).</summary>
    public Meter Meter => _meter;

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

    public void PreflightSeconds(double seconds) => _preflight.Record(seconds);
    public void ProvingSeconds(double seconds) => _proving.Record(seconds);

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
    public long SlashCount => Interlocked.Read(ref _slashes);
    public long SkipCount(string reason) => _skips.TryGetValue(reason, out var n) ? n : 0;

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> ObserveStates()
    {
        foreach (var (state, n) in Volatile.Read(ref _states).OrderBy(kv => kv.Key))
            yield return new Measurement<int>(n, new KeyValuePair<string, object?>("state", state.Name()));
    }

    private static IEnumerable<Measurement<long>> Reasons(ConcurrentDictionary<string, long> counts)
    {
        foreach (var (reason, n) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            yield return new Measurement<long>(n, new KeyValuePair<string, object?>("reason", reason));
    }

    private double Amount(Func<BigInteger> read)
    {
        lock (_gate) return (double)read();
    }
}
