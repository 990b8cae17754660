using System.Diagnostics.Metrics;
using Verity.Cluster.Jobs;

namespace Verity.Cluster.Broker;

/// <summary>
/// The cluster's metrics, kept once and published twice: as <see cref="System.Diagnostics.Metrics"/> instruments on
/// the meter <see cref="MeterName"/> (for OpenTelemetry export, see <see cref="OtlpExport"/>) and as Prometheus text
/// (<see cref="RenderPrometheus"/>, for /metrics). Counters live in per-type arrays updated with
/// <see cref="Interlocked"/>: thread-safe and allocation-free per event. Instrument names are the Prometheus family
/// names, without the <c>_total</c> suffix for counters (an OpenTelemetry-to-Prometheus conversion adds it back).
/// </summary>
public sealed class ClusterMetrics : IDisposable
{
    public const string MeterName = "Verity.Cluster";

    /// <summary>Task duration bucket bounds in seconds: 10 ms (an execute-only preflight) to an hour (a big prove).</summary>
    public static readonly IReadOnlyList<double> DurationBuckets =
        [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

    private static readonly int TypeCount = TaskTypes.All.Count;
    private static readonly double[] Bounds = [.. DurationBuckets];
    // Tags built once: recording a measurement then allocates nothing.
    private static readonly KeyValuePair<string, object?>[] TypeTags =
        [.. TaskTypes.All.Select(t => new KeyValuePair<string, object?>("type", t.Name()))];

    private readonly long[] _claims = new long[TypeCount];
    private readonly long[] _retries = new long[TypeCount];
    private readonly long[] _timeouts = new long[TypeCount];
    private readonly long[] _failures = new long[TypeCount];
    private long _jobsCreated;
    private long _provenCycles;

    // Per type: a count per bucket, not cumulative (the last slot is above every bound); cumulated when rendered.
    private readonly long[] _durationCounts = new long[TypeCount * (Bounds.Length + 1)];
    private readonly long[] _durationSumBits = new long[TypeCount]; // double sums, as bits for lock-free adds

    private readonly AgentTracker _agents;
    private readonly TimeProvider _time;
    private readonly Histogram<double> _duration;
    private StoreStats? _lastStats;

    /// <param name="agentWindow">An agent heard from within this long counts as live (default one minute).</param>
    /// <param name="time">Clock for the live-agents gauge when OpenTelemetry collects (default: the system clock).</param>
    public ClusterMetrics(TimeSpan? agentWindow = null, TimeProvider? time = null)
    {
        _agents = new AgentTracker(agentWindow ?? TimeSpan.FromMinutes(1));
        _time = time ?? TimeProvider.System;
        Meter = new Meter(MeterName);

        Meter.CreateObservableCounter("verity_task_claims", () => PerType(_claims), "{task}", "Tasks leased to agents.");
        Meter.CreateObservableCounter("verity_task_retries", () => PerType(_retries), "{task}", "Task attempts that failed and were requeued.");
        Meter.CreateObservableCounter("verity_task_timeouts", () => PerType(_timeouts), "{task}", "Task leases that expired.");
        Meter.CreateObservableCounter("verity_task_failures", () => PerType(_failures), "{task}", "Tasks that failed for good (and failed their job).");
        Meter.CreateObservableCounter("verity_jobs_created", () => Volatile.Read(ref _jobsCreated), "{job}", "Jobs created.");
        Meter.CreateObservableCounter("verity_proven_cycles", () => Volatile.Read(ref _provenCycles), "{cycle}", "Guest cycles of succeeded proving jobs.");
        _duration = Meter.CreateHistogram("verity_task_duration_seconds", "s", "Time from a task's claim to its success report.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        Meter.CreateObservableGauge("verity_agents_live", () => (long)_agents.LiveCount(_time.GetUtcNow()), "{agent}",
            "Agents heard from within the live window.");
        Meter.CreateObservableGauge("verity_jobs", ObserveJobs, "{job}", "Jobs by state (as of the last store statistics).");
        Meter.CreateObservableGauge("verity_tasks", ObserveTasks, "{task}", "Tasks by type and state (as of the last store statistics).");
    }

    /// <summary>The instruments' meter (named <see cref="MeterName"/>).</summary>
    public Meter Meter { get; }

    public AgentTracker Agents => _agents;

    public void TaskClaimed(TaskType type) => Interlocked.Increment(ref _claims[Slot(type)]);

    public void TaskRetried(TaskType type) => Interlocked.Increment(ref _retries[Slot(type)]);

    public void TaskTimedOut(TaskType type) => Interlocked.Increment(ref _timeouts[Slot(type)]);

    /// <summary>A task failed for good (out of attempts or a non-retryable error).</summary>
    public void TaskFailed(TaskType type) => Interlocked.Increment(ref _failures[Slot(type)]);

    public void JobCreated() => Interlocked.Increment(ref _jobsCreated);

    /// <summary>A proving job succeeded after running this many guest cycles.</summary>
    public void CyclesProven(long cycles)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cycles);
        Interlocked.Add(ref _provenCycles, cycles);
    }

    /// <summary>A task succeeded <paramref name="elapsed"/> after it was claimed (negative clock skew counts as 0).</summary>
    public void TaskDuration(TaskType type, TimeSpan elapsed)
    {
        int slot = Slot(type);
        double seconds = Math.Max(0, elapsed.TotalSeconds);
        int bucket = Array.BinarySearch(Bounds, seconds);
        if (bucket < 0) bucket = ~bucket; // first bound ≥ seconds ("le" is inclusive); Bounds.Length = +Inf
        Interlocked.Increment(ref _durationCounts[slot * (Bounds.Length + 1) + bucket]);
        AddDouble(ref _durationSumBits[slot], seconds);
        _duration.Record(seconds, TypeTags[slot]);
    }

    public void AgentSeen(string agentId, DateTimeOffset now) => _agents.Seen(agentId, now);

    /// <summary>
    /// Store statistics for the OpenTelemetry job and task gauges (the broker refreshes them; <see cref="RenderPrometheus"/>
    /// does too).
    /// </summary>
    public void UpdateStoreStats(StoreStats stats) => Volatile.Write(ref _lastStats, stats ?? throw new ArgumentNullException(nameof(stats)));

    /// <summary>Every metric in Prometheus text format 0.0.4 (<see cref="PrometheusText.ContentType"/>).</summary>
    public string RenderPrometheus(StoreStats stats, DateTimeOffset now)
    {
        UpdateStoreStats(stats);
        var text = new PrometheusText();
        PerTypeCounter(text, "verity_task_claims_total", "Tasks leased to agents.", _claims);
        PerTypeCounter(text, "verity_task_retries_total", "Task attempts that failed and were requeued.", _retries);
        PerTypeCounter(text, "verity_task_timeouts_total", "Task leases that expired.", _timeouts);
        PerTypeCounter(text, "verity_task_failures_total", "Tasks that failed for good (and failed their job).", _failures);
        text.Family("verity_jobs_created_total", "counter", "Jobs created.")
            .Sample("verity_jobs_created_total", Volatile.Read(ref _jobsCreated));
        text.Family("verity_proven_cycles_total", "counter", "Guest cycles of succeeded proving jobs.")
            .Sample("verity_proven_cycles_total", Volatile.Read(ref _provenCycles));

        const string duration = "verity_task_duration_seconds";
        text.Family(duration, "histogram", "Time from a task's claim to its success report.");
        foreach (var type in TaskTypes.All)
        {
            int slot = (int)type, first = slot * (Bounds.Length + 1);
            string name = type.Name();
            long cumulative = 0;
            for (int b = 0; b <= Bounds.Length; b++)
            {
                cumulative += Volatile.Read(ref _durationCounts[first + b]);
                string le = b < Bounds.Length ? PrometheusText.FormatValue(Bounds[b]) : "+Inf";
                text.Sample(duration + "_bucket", cumulative, ("type", name), ("le", le));
            }
            text.Sample(duration + "_sum", BitConverter.Int64BitsToDouble(Volatile.Read(ref _durationSumBits[slot])), ("type", name));
            text.Sample(duration + "_count", cumulative, ("type", name));
        }

        text.Family("verity_jobs", "gauge", "Jobs by state.");
        foreach (var state in Enum.GetValues<JobState>())
            text.Sample("verity_jobs", stats.JobsByState.GetValueOrDefault(state), ("state", state.Name()));
        text.Family("verity_tasks", "gauge", "Tasks by type and state.");
        foreach (var type in TaskTypes.All)
            foreach (var state in TaskStateNames.All)
                text.Sample("verity_tasks", stats.TasksByState.GetValueOrDefault((type, state)), ("type", type.Name()), ("state", state.Name()));
        text.Family("verity_agents_live", "gauge", $"Agents heard from within the last {_agents.Window.TotalSeconds:0.###} s.")
            .Sample("verity_agents_live", _agents.LiveCount(now));
        return text.ToString();
    }

    public void Dispose() => Meter.Dispose();

    private static void PerTypeCounter(PrometheusText text, string name, string help, long[] values)
    {
        text.Family(name, "counter", help);
        foreach (var type in TaskTypes.All)
            text.Sample(name, Volatile.Read(ref values[(int)type]), ("type", type.Name()));
    }

    private static Measurement<long>[] PerType(long[] values)
    {
        var result = new Measurement<long>[TypeCount];
        for (int i = 0; i < TypeCount; i++) result[i] = new Measurement<long>(Volatile.Read(ref values[i]), TypeTags[i]);
        return result;
    }

    private IEnumerable<Measurement<long>> ObserveJobs()
    {
        if (Volatile.Read(ref _lastStats) is not { } stats) yield break;
        foreach (var state in Enum.GetValues<JobState>())
            yield return new Measurement<long>(stats.JobsByState.GetValueOrDefault(state), new KeyValuePair<string, object?>("state", state.Name()));
    }

    private IEnumerable<Measurement<long>> ObserveTasks()
    {
        if (Volatile.Read(ref _lastStats) is not { } stats) yield break;
        foreach (var type in TaskTypes.All)
            foreach (var state in TaskStateNames.All)
                yield return new Measurement<long>(stats.TasksByState.GetValueOrDefault((type, state)),
                    TypeTags[(int)type], new KeyValuePair<string, object?>("state", state.Name()));
    }

    private static int Slot(TaskType type)
    {
        int slot = (int)type;
        if ((uint)slot >= (uint)TypeCount) throw new ArgumentOutOfRangeException(nameof(type), type, "unknown task type");
        return slot;
    }

    private static void AddDouble(ref long bits, double delta)
    {
        long seen = Volatile.Read(ref bits);
        while (true)
        {
            long next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + delta);
            long actual = Interlocked.CompareExchange(ref bits, next, seen);
            if (actual == seen) return;
            seen = actual;
        }
    }
}
