using System.Diagnostics.Metrics;
using Verity.Cluster.Jobs;

namespace Verity.Cluster.Broker;

/// <summary>
/// The cluster's metrics as <see cref="System.Diagnostics.Metrics"/> instruments on the meter <see cref="MeterName"/>,
/// exported by the node's MeterProvider to /metrics (Prometheus) and OTLP (docs/METRICS.md). Counters live in
/// per-type arrays updated with <see cref="Interlocked"/> and are observed at collection time: thread-safe and
/// allocation-free per event. Instrument names are the Prometheus family names without the <c>_total</c> suffix the
/// exporter adds to counters.
/// </summary>
public sealed class ClusterMetrics : IDisposable
{
    public const string MeterName = "Verity.Cluster";

    /// <summary>Task duration bucket bounds in seconds: 10 ms (an execute-only preflight) to an hour (a big prove).</summary>
    public static readonly IReadOnlyList<double> DurationBuckets =
        [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

    private static readonly int TypeCount = TaskTypes.All.Count;
    // Tags built once: recording a measurement then allocates nothing.
    private static readonly KeyValuePair<string, object?>[] TypeTags =
        [.. TaskTypes.All.Select(t => new KeyValuePair<string, object?>("type", t.Name()))];

    private readonly long[] _claims = new long[TypeCount];
    private readonly long[] _retries = new long[TypeCount];
    private readonly long[] _timeouts = new long[TypeCount];
    private readonly long[] _failures = new long[TypeCount];
    private long _jobsCreated;
    private long _provenCycles;

    private readonly AgentTracker _agents;
    private readonly TimeProvider _time;
    private readonly Histogram<double> _duration;
    private StoreStats? _lastStats;

    /// <param name="agentWindow">An agent heard from within this long counts as live (default one minute).</param>
    /// <param name="time">Clock for the live-agents gauge when the exporter collects (default: the system clock).</param>
    /// <param name="meters">The instance's meter factory (a node's <see cref="Telemetry.InstanceMeters"/>), so only that
    /// node's provider exports these instruments; null: an unscoped meter of its own.</param>
    public ClusterMetrics(TimeSpan? agentWindow = null, TimeProvider? time = null, IMeterFactory? meters = null)
    {
        _agents = new AgentTracker(agentWindow ?? TimeSpan.FromMinutes(1));
        _time = time ?? TimeProvider.System;
        Meter = meters?.Create(MeterName) ?? new Meter(MeterName);

        Meter.CreateObservableCounter("verity_task_claims", () => PerType(_claims), "{task}", "Tasks leased to agents.");
        Meter.CreateObservableCounter("verity_task_retries", () => PerType(_retries), "{task}", "Task attempts that failed and were requeued.");
        Meter.CreateObservableCounter("verity_task_timeouts", () => PerType(_timeouts), "{task}", "Task leases that expired.");
        Meter.CreateObservableCounter("verity_task_failures", () => PerType(_failures), "{task}", "Tasks that failed for good (and failed their job).");
        Meter.CreateObservableCounter("verity_jobs_created", () => Volatile.Read(ref _jobsCreated), "{job}", "Jobs created.");
        Meter.CreateObservableCounter("verity_proven_cycles", () => Volatile.Read(ref _provenCycles), "{cycle}", "Guest cycles of succeeded proving jobs.");
        _duration = Meter.CreateHistogram("verity_task_duration_seconds", "s", "Time from a task's claim to its success report.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        Meter.CreateObservableGauge("verity_agents_live", () => (long)_agents.LiveCount(_time.GetUtcNow()), "{agent}",
            $"Agents heard from within the last {_agents.Window.TotalSeconds:0.###} s.");
        Meter.CreateObservableGauge("verity_jobs", ObserveJobs, "{job}", "Jobs by state (as of the scrape's store statistics).");
        Meter.CreateObservableGauge("verity_tasks", ObserveTasks, "{task}", "Tasks by type and state (as of the scrape's store statistics).");
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
    public void TaskDuration(TaskType type, TimeSpan elapsed) =>
        _duration.Record(Math.Max(0, elapsed.TotalSeconds), TypeTags[Slot(type)]);

    public void AgentSeen(string agentId, DateTimeOffset now) => _agents.Seen(agentId, now);

    /// <summary>
    /// The store statistics the job and task gauges report (/metrics refreshes them before each scrape); null when
    /// the store did not answer, which leaves those gauges out rather than showing stale counts.
    /// </summary>
    public void UpdateStoreStats(StoreStats? stats) => Volatile.Write(ref _lastStats, stats);

    public void Dispose() => Meter.Dispose();

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
}
