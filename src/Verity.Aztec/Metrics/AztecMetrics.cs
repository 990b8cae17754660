using System.Diagnostics.Metrics;
using Verity.Aztec.Protocol;
using Verity.Aztec.Store;

namespace Verity.Aztec.Metrics;

/// <summary>
/// The Aztec endpoint's instruments on meter <see cref="MeterName"/> (docs/METRICS.md): jobs by type and state (from the
/// store, refreshed before each scrape), enqueues, duplicate enqueues, settlements by outcome, retries, timeouts, the
/// wait from enqueue to pickup and the time from pickup to settlement, and RPC calls by method and outcome. Every
/// per-type series is labelled with Aztec's type name (<c>type="PARITY_BASE"</c>). One instance per node: the meter
/// belongs to it.
/// </summary>
public sealed class AztecMetrics : IDisposable
{
    public const string MeterName = "Verity.Aztec";

    /// <summary>Seconds: an instant mock proof up to a slow AVM proof.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1200, 3600];

    private static readonly KeyValuePair<string, object?>[] TypeTags =
        [.. ProvingRequestTypes.All.Select(t => new KeyValuePair<string, object?>("type", t.ToString()))];

    private readonly Counter<long> _enqueued, _cached, _retried, _timedOut, _settled, _calls;
    private readonly Histogram<double> _wait, _duration;
    private AztecJobCounts? _counts;

    /// <param name="meters">The node's meter factory: its /metrics exports only the meters it made (docs/METRICS.md).</param>
    public AztecMetrics(IMeterFactory? meters = null)
    {
        Meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _enqueued = Meter.CreateCounter<long>("verity_aztec_jobs_enqueued", "{job}", "New Aztec jobs enqueued.");
        _cached = Meter.CreateCounter<long>("verity_aztec_jobs_cached", "{job}", "Enqueues of a job already known (answered with its status).");
        _settled = Meter.CreateCounter<long>("verity_aztec_jobs_settled", "{job}", "Aztec jobs settled, by outcome (fulfilled, rejected, aborted, timed_out).");
        _retried = Meter.CreateCounter<long>("verity_aztec_job_retries", "{job}", "Failed attempts put back in the queue.");
        _timedOut = Meter.CreateCounter<long>("verity_aztec_job_timeouts", "{job}", "In-progress jobs taken back after no heartbeat for the job timeout.");
        _calls = Meter.CreateCounter<long>("verity_aztec_rpc_calls", "{call}", "JSON-RPC calls by method and outcome (ok, error).");
        _wait = Meter.CreateHistogram("verity_aztec_job_wait_seconds", "s", "Time from enqueue (or requeue) to an agent taking the job.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _duration = Meter.CreateHistogram("verity_aztec_job_duration_seconds", "s", "Time from an agent taking a job to its settlement.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        Meter.CreateObservableGauge("verity_aztec_jobs", ObserveJobs, "{job}", "Aztec jobs by type and state (as of the last scrape's store query).");
    }

    /// <summary>The instruments' meter (named <see cref="MeterName"/>).</summary>
    public Meter Meter { get; }

    public void Enqueued(ProvingRequestType type) => _enqueued.Add(1, TypeTags[(int)type]);

    public void Cached(ProvingRequestType type) => _cached.Add(1, TypeTags[(int)type]);

    public void Retried(ProvingRequestType type) => _retried.Add(1, TypeTags[(int)type]);

    public void TimedOut(ProvingRequestType type) => _timedOut.Add(1, TypeTags[(int)type]);

    /// <summary>A job settled; <paramref name="outcome"/> is fulfilled, rejected, aborted or timed_out.</summary>
    public void Settled(ProvingRequestType type, string outcome, double? seconds)
    {
        _settled.Add(1, TypeTags[(int)type], new KeyValuePair<string, object?>("outcome", outcome));
        if (seconds is { } s) _duration.Record(Math.Max(0, s), TypeTags[(int)type]);
    }

    public void Waited(ProvingRequestType type, double seconds) => _wait.Record(Math.Max(0, seconds), TypeTags[(int)type]);

    public void Call(string method, bool ok) =>
        _calls.Add(1, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("outcome", ok ? "ok" : "error"));

    /// <summary>The counts the jobs gauge reports (set before each scrape from the store).</summary>
    public void UpdateCounts(AztecJobCounts counts) => Volatile.Write(ref _counts, counts ?? throw new ArgumentNullException(nameof(counts)));

    private IEnumerable<Measurement<long>> ObserveJobs()
    {
        if (Volatile.Read(ref _counts) is not { } counts) yield break;
        foreach (var type in ProvingRequestTypes.All)
            foreach (var state in Enum.GetValues<AztecJobState>())
                yield return new Measurement<long>(counts.ByTypeAndState.GetValueOrDefault((type, state)),
                    TypeTags[(int)type], new KeyValuePair<string, object?>("state", state.Name()));
    }

    public void Dispose() => Meter.Dispose();
}
