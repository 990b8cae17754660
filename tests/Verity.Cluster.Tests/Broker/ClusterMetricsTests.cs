using OpenTelemetry.Metrics;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Cluster.Telemetry;

namespace Verity.Cluster.Tests.Broker;

/// <summary>
/// The cluster's instruments as the OpenTelemetry SDK aggregates them (what /metrics and OTLP export read); the
/// Prometheus names the exporter gives them are checked on a node's /metrics (Verity.Node.Tests).
/// </summary>
public sealed class ClusterMetricsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly StoreStats Stats = new(
        new Dictionary<JobState, long> { [JobState.Running] = 2, [JobState.Succeeded] = 7 },
        new Dictionary<(TaskType, TaskState), long>
        {
            [(TaskType.Prove, TaskState.Ready)] = 4,
            [(TaskType.Prove, TaskState.Running)] = 1,
            [(TaskType.Finalize, TaskState.Pending)] = 2,
        });

    /// <summary>A fixed set of events whose expected values the tests spell out, collected from the start.</summary>
    private static (ClusterMetrics Metrics, MetricsCollector Collector) WithEvents()
    {
        var m = new ClusterMetrics(TimeSpan.FromMinutes(1), new FixedTime(Now));
        var collector = new MetricsCollector(m.Meter);
        m.TaskClaimed(TaskType.Execute);
        m.TaskClaimed(TaskType.Execute);
        for (int i = 0; i < 5; i++) m.TaskClaimed(TaskType.Prove);
        m.TaskRetried(TaskType.Prove);
        m.TaskTimedOut(TaskType.Prove);
        m.TaskTimedOut(TaskType.Execute);
        m.TaskFailed(TaskType.Finalize);
        m.JobCreated();
        m.JobCreated();
        m.JobCreated();
        m.CyclesProven(1_000_000);
        m.CyclesProven(24);
        m.TaskDuration(TaskType.Prove, TimeSpan.FromMilliseconds(5));
        m.TaskDuration(TaskType.Prove, TimeSpan.FromMilliseconds(10)); // on a bound: "le" is inclusive
        m.TaskDuration(TaskType.Prove, TimeSpan.FromMilliseconds(300));
        m.TaskDuration(TaskType.Prove, TimeSpan.FromHours(2)); // past every bound: only +Inf
        m.TaskDuration(TaskType.Finalize, TimeSpan.FromSeconds(-1)); // clock skew counts as 0
        m.AgentSeen("gpu-1", Now - TimeSpan.FromSeconds(10));
        m.AgentSeen("cpu-1", Now - TimeSpan.FromSeconds(50));
        m.AgentSeen("gone", Now - TimeSpan.FromMinutes(5));
        m.UpdateStoreStats(Stats);
        return (m, collector);
    }

    [Fact]
    public void Every_instrument_has_a_description_and_the_type_its_family_had()
    {
        var (m, collector) = WithEvents();
        using var _ = m;
        using var __ = collector;
        var snapshot = collector.Collect();

        var expected = new Dictionary<string, MetricType>
        {
            ["verity_task_claims"] = MetricType.LongSum,
            ["verity_task_retries"] = MetricType.LongSum,
            ["verity_task_timeouts"] = MetricType.LongSum,
            ["verity_task_failures"] = MetricType.LongSum,
            ["verity_jobs_created"] = MetricType.LongSum,
            ["verity_proven_cycles"] = MetricType.LongSum,
            ["verity_task_duration_seconds"] = MetricType.Histogram,
            ["verity_jobs"] = MetricType.LongGauge,
            ["verity_tasks"] = MetricType.LongGauge,
            ["verity_agents_live"] = MetricType.LongGauge,
        };
        Assert.Equal(expected.OrderBy(e => e.Key), snapshot.Instruments.Select(i => KeyValuePair.Create(i.Key, i.Value.Type)).OrderBy(e => e.Key));
        Assert.All(snapshot.Instruments.Values, i => Assert.False(string.IsNullOrWhiteSpace(i.Description)));
        // Units the exporter turns into the right suffix: "s" on a name that already ends in _seconds, annotations none.
        Assert.Equal("s", snapshot.Instruments["verity_task_duration_seconds"].Unit);
        Assert.All(snapshot.Instruments.Where(i => i.Key != "verity_task_duration_seconds"), i => Assert.StartsWith("{", i.Value.Unit));
    }

    [Fact]
    public void Counters_and_gauges_show_the_events_and_the_store_stats()
    {
        var (m, collector) = WithEvents();
        using var _ = m;
        using var __ = collector;
        var snapshot = collector.Collect();

        Assert.Equal(2, snapshot.Value("verity_task_claims", ("type", "execute")));
        Assert.Equal(5, snapshot.Value("verity_task_claims", ("type", "prove")));
        Assert.Equal(0, snapshot.Value("verity_task_claims", ("type", "finalize")));
        Assert.Equal(1, snapshot.Value("verity_task_retries", ("type", "prove")));
        Assert.Equal(0, snapshot.Value("verity_task_retries", ("type", "execute")));
        Assert.Equal(1, snapshot.Value("verity_task_timeouts", ("type", "prove")));
        Assert.Equal(1, snapshot.Value("verity_task_timeouts", ("type", "execute")));
        Assert.Equal(1, snapshot.Value("verity_task_failures", ("type", "finalize")));
        Assert.Equal(3, snapshot.Value("verity_jobs_created"));
        Assert.Equal(1_000_024, snapshot.Value("verity_proven_cycles"));

        Assert.Equal(2, snapshot.Value("verity_jobs", ("state", "running")));
        Assert.Equal(7, snapshot.Value("verity_jobs", ("state", "succeeded")));
        Assert.Equal(0, snapshot.Value("verity_jobs", ("state", "cancelled")));
        Assert.Equal(4, snapshot.Value("verity_tasks", ("type", "prove"), ("state", "ready")));
        Assert.Equal(1, snapshot.Value("verity_tasks", ("type", "prove"), ("state", "running")));
        Assert.Equal(2, snapshot.Value("verity_tasks", ("type", "finalize"), ("state", "pending")));
        Assert.Equal(0, snapshot.Value("verity_tasks", ("type", "execute"), ("state", "done")));
        Assert.Equal(3 * 6, snapshot.Samples.Count(s => s.Name == "verity_tasks")); // every type × state
        Assert.Equal(2, snapshot.Value("verity_agents_live")); // "gone" was last seen 5 min ago
    }

    [Fact]
    public void Without_store_stats_the_job_and_task_gauges_are_left_out()
    {
        var (m, collector) = WithEvents();
        using var _ = m;
        using var __ = collector;
        m.UpdateStoreStats(null); // the store did not answer the scrape's query
        var snapshot = collector.Collect();
        Assert.DoesNotContain(snapshot.Samples, s => s.Name is "verity_jobs" or "verity_tasks");
        Assert.Equal(3, snapshot.Value("verity_jobs_created")); // the counters still show
    }

    [Fact]
    public void Histogram_buckets_are_the_advised_bounds_cumulative_and_end_at_the_count()
    {
        var (m, collector) = WithEvents();
        using var _ = m;
        using var __ = collector;
        var snapshot = collector.Collect();
        const string h = "verity_task_duration_seconds";

        foreach (var type in new[] { "prove", "finalize" })
        {
            var point = snapshot.Point(h, ("type", type));
            Assert.Equal([.. ClusterMetrics.DurationBuckets, double.PositiveInfinity], point.Buckets.Select(b => b.Bound));
            for (int i = 1; i < point.Buckets.Count; i++) Assert.True(point.Buckets[i].Cumulative >= point.Buckets[i - 1].Cumulative, "counts are cumulative");
            Assert.Equal(point.Count, point.Buckets[^1].Cumulative);
        }

        var prove = snapshot.Point(h, ("type", "prove"));
        long Le(double bound) => prove.Buckets.Single(b => b.Bound == bound).Cumulative;
        Assert.Equal(2, Le(0.01));
        Assert.Equal(2, Le(0.25));
        Assert.Equal(3, Le(0.5));
        Assert.Equal(3, Le(3600));
        Assert.Equal(4, Le(double.PositiveInfinity));
        Assert.Equal(4, prove.Count);
        Assert.Equal(7200.315, prove.Sum, 9);
        var finalize = snapshot.Point(h, ("type", "finalize"));
        Assert.Equal(1, finalize.Buckets[0].Cumulative);
        Assert.Equal(0, finalize.Sum);
        // A type with no observation has no series yet (the hand-written text showed zeros; docs/METRICS.md).
        Assert.DoesNotContain(snapshot.Samples, s => s.Name == h && s.Tags["type"] == "execute");
    }

    [Fact]
    public async Task Concurrent_events_are_all_counted()
    {
        using var m = new ClusterMetrics();
        using var collector = new MetricsCollector(m.Meter);
        const int threads = 4, each = 20_000;
        await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < each; i++)
            {
                m.TaskClaimed(TaskType.Prove);
                m.CyclesProven(3);
                m.TaskDuration(TaskType.Prove, TimeSpan.FromSeconds(2));
            }
        })));

        var snapshot = collector.Collect();
        Assert.Equal(threads * each, snapshot.Value("verity_task_claims", ("type", "prove")));
        Assert.Equal(3.0 * threads * each, snapshot.Value("verity_proven_cycles"));
        Assert.Equal(threads * each, snapshot.Point("verity_task_duration_seconds", ("type", "prove")).Count);
        Assert.Equal(2.0 * threads * each, snapshot.Point("verity_task_duration_seconds", ("type", "prove")).Sum);
    }

    [Fact]
    public void Counting_events_allocates_nothing()
    {
        using var m = new ClusterMetrics();
        void Events()
        {
            for (int i = 0; i < 1000; i++)
            {
                m.TaskClaimed(TaskType.Prove);
                m.TaskRetried(TaskType.Execute);
                m.TaskTimedOut(TaskType.Finalize);
                m.TaskFailed(TaskType.Prove);
                m.JobCreated();
                m.CyclesProven(i);
                m.AgentSeen("agent-1", Now);
            }
        }
        Events(); // warm up (JIT, the agent's dictionary entry)
        long before = GC.GetAllocatedBytesForCurrentThread();
        Events();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_events_are_rejected()
    {
        using var m = new ClusterMetrics();
        Assert.Throws<ArgumentOutOfRangeException>(() => m.CyclesProven(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.TaskClaimed((TaskType)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.TaskDuration((TaskType)(-1), TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Instances_of_one_process_are_told_apart_by_their_meter_factory()
    {
        using var metersA = new InstanceMeters();
        using var metersB = new InstanceMeters();
        using var a = new ClusterMetrics(meters: metersA);
        using var b = new ClusterMetrics(meters: metersB);
        using var unscoped = new ClusterMetrics();
        Assert.True(metersA.Owns(a.Meter));
        Assert.False(metersA.Owns(b.Meter));
        Assert.False(metersA.Owns(unscoped.Meter));
        Assert.Equal(a.Meter.Name, b.Meter.Name);

        var export = new List<(string Name, long Value)>();
        using var provider = metersA.AddTo(OpenTelemetry.Sdk.CreateMeterProviderBuilder())
            .AddReader(new BaseExportingMetricReader(new ListExporter(export))).Build();
        a.JobCreated();
        b.JobCreated();
        b.JobCreated();
        unscoped.JobCreated();
        Assert.True(provider.ForceFlush());
        Assert.Equal([("verity_jobs_created", 1L)], export.Where(e => e.Name == "verity_jobs_created"));
    }

    private sealed class ListExporter(List<(string Name, long Value)> into) : OpenTelemetry.BaseExporter<Metric>
    {
        public override OpenTelemetry.ExportResult Export(in OpenTelemetry.Batch<Metric> batch)
        {
            foreach (var metric in batch)
                if (metric.MetricType == MetricType.LongSum)
                    foreach (ref readonly var point in metric.GetMetricPoints())
                        into.Add((metric.Name, point.GetSumLong()));
            return OpenTelemetry.ExportResult.Success;
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
