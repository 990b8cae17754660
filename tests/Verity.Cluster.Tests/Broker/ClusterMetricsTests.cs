using System.Diagnostics.Metrics;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;

namespace Verity.Cluster.Tests.Broker;

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

    /// <summary>A fixed set of events whose expected values the tests spell out.</summary>
    private static ClusterMetrics WithEvents(TimeProvider? time = null)
    {
        var m = new ClusterMetrics(TimeSpan.FromMinutes(1), time);
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
        return m;
    }

    [Fact]
    public void Every_family_has_help_and_type_and_every_sample_a_family()
    {
        using var m = WithEvents();
        var scrape = PrometheusParser.Parse(m.RenderPrometheus(Stats, Now));

        var expected = new Dictionary<string, string>
        {
            ["verity_task_claims_total"] = "counter",
            ["verity_task_retries_total"] = "counter",
            ["verity_task_timeouts_total"] = "counter",
            ["verity_task_failures_total"] = "counter",
            ["verity_jobs_created_total"] = "counter",
            ["verity_proven_cycles_total"] = "counter",
            ["verity_task_duration_seconds"] = "histogram",
            ["verity_jobs"] = "gauge",
            ["verity_tasks"] = "gauge",
            ["verity_agents_live"] = "gauge",
        };
        Assert.Equal(expected.OrderBy(e => e.Key), scrape.Types.OrderBy(e => e.Key));
        Assert.All(scrape.Help.Values, h => Assert.False(string.IsNullOrWhiteSpace(h)));
        Assert.All(scrape.Samples, s => Assert.Contains(PrometheusParser.Family(s.Name, scrape.Types), scrape.Types.Keys));
    }

    [Fact]
    public void Counters_and_gauges_show_the_events_and_the_store_stats()
    {
        using var m = WithEvents();
        var scrape = PrometheusParser.Parse(m.RenderPrometheus(Stats, Now));

        Assert.Equal(2, scrape.Value("verity_task_claims_total", ("type", "execute")));
        Assert.Equal(5, scrape.Value("verity_task_claims_total", ("type", "prove")));
        Assert.Equal(0, scrape.Value("verity_task_claims_total", ("type", "finalize")));
        Assert.Equal(1, scrape.Value("verity_task_retries_total", ("type", "prove")));
        Assert.Equal(0, scrape.Value("verity_task_retries_total", ("type", "execute")));
        Assert.Equal(1, scrape.Value("verity_task_timeouts_total", ("type", "prove")));
        Assert.Equal(1, scrape.Value("verity_task_timeouts_total", ("type", "execute")));
        Assert.Equal(1, scrape.Value("verity_task_failures_total", ("type", "finalize")));
        Assert.Equal(3, scrape.Value("verity_jobs_created_total"));
        Assert.Equal(1_000_024, scrape.Value("verity_proven_cycles_total"));

        Assert.Equal(2, scrape.Value("verity_jobs", ("state", "running")));
        Assert.Equal(7, scrape.Value("verity_jobs", ("state", "succeeded")));
        Assert.Equal(0, scrape.Value("verity_jobs", ("state", "cancelled")));
        Assert.Equal(4, scrape.Value("verity_tasks", ("type", "prove"), ("state", "ready")));
        Assert.Equal(1, scrape.Value("verity_tasks", ("type", "prove"), ("state", "running")));
        Assert.Equal(2, scrape.Value("verity_tasks", ("type", "finalize"), ("state", "pending")));
        Assert.Equal(0, scrape.Value("verity_tasks", ("type", "execute"), ("state", "done")));
        Assert.Equal(3 * 6, scrape.Samples.Count(s => s.Name == "verity_tasks")); // every type × state
        Assert.Equal(2, scrape.Value("verity_agents_live")); // "gone" was last seen 5 min ago
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_and_end_at_the_count()
    {
        using var m = WithEvents();
        var scrape = PrometheusParser.Parse(m.RenderPrometheus(Stats, Now));
        const string h = "verity_task_duration_seconds";

        foreach (var type in TaskTypes.All.Select(t => t.Name()))
        {
            var buckets = scrape.Samples.Where(s => s.Name == h + "_bucket" && s.Labels["type"] == type).ToList();
            Assert.Equal(ClusterMetrics.DurationBuckets.Count + 1, buckets.Count);
            var bounds = buckets.Select(b => b.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(b.Labels["le"],
                System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(0.01, bounds[0]);
            Assert.True(bounds[^2] >= 3600, "buckets reach an hour");
            Assert.Equal(double.PositiveInfinity, bounds[^1]);
            for (int i = 1; i < buckets.Count; i++)
            {
                Assert.True(bounds[i] > bounds[i - 1], "bounds ascend");
                Assert.True(buckets[i].Value >= buckets[i - 1].Value, "counts are cumulative");
            }
            Assert.Equal(buckets[^1].Value, scrape.Value(h + "_count", ("type", type)));
        }

        Assert.Equal(2, scrape.Value(h + "_bucket", ("type", "prove"), ("le", "0.01")));
        Assert.Equal(2, scrape.Value(h + "_bucket", ("type", "prove"), ("le", "0.25")));
        Assert.Equal(3, scrape.Value(h + "_bucket", ("type", "prove"), ("le", "0.5")));
        Assert.Equal(3, scrape.Value(h + "_bucket", ("type", "prove"), ("le", "3600")));
        Assert.Equal(4, scrape.Value(h + "_bucket", ("type", "prove"), ("le", "+Inf")));
        Assert.Equal(4, scrape.Value(h + "_count", ("type", "prove")));
        Assert.Equal(7200.315, scrape.Value(h + "_sum", ("type", "prove")), 9);
        Assert.Equal(1, scrape.Value(h + "_bucket", ("type", "finalize"), ("le", "0.01")));
        Assert.Equal(0, scrape.Value(h + "_sum", ("type", "finalize")));
        Assert.Equal(0, scrape.Value(h + "_count", ("type", "execute")));
    }

    [Fact]
    public async Task Concurrent_events_are_all_counted()
    {
        using var m = new ClusterMetrics();
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

        var scrape = PrometheusParser.Parse(m.RenderPrometheus(Stats, Now));
        Assert.Equal(threads * each, scrape.Value("verity_task_claims_total", ("type", "prove")));
        Assert.Equal(3.0 * threads * each, scrape.Value("verity_proven_cycles_total"));
        Assert.Equal(threads * each, scrape.Value("verity_task_duration_seconds_count", ("type", "prove")));
        Assert.Equal(2.0 * threads * each, scrape.Value("verity_task_duration_seconds_sum", ("type", "prove")));
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
    public void Instruments_publish_the_same_values_as_the_text()
    {
        using var m = WithEvents(new FixedTime(Now));
        m.UpdateStoreStats(Stats); // what the job and task gauges report

        var longs = new List<(string Name, long Value, Dictionary<string, string> Tags, bool IsCounter)>();
        var durations = new List<(double Value, string Type)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) => { if (instrument.Meter == m.Meter) l.EnableMeasurementEvents(instrument); },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            longs.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => (string)t.Value!), instrument is ObservableCounter<long>)));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            Assert.Equal("verity_task_duration_seconds", instrument.Name);
            durations.Add((value, (string)Assert.Single(tags.ToArray(), t => t.Key == "type").Value!));
        });
        listener.Start();

        m.TaskDuration(TaskType.Execute, TimeSpan.FromSeconds(1.5)); // the histogram reports recordings as they happen
        m.TaskClaimed(TaskType.Finalize);
        listener.RecordObservableInstruments();
        var scrape = PrometheusParser.Parse(m.RenderPrometheus(Stats, Now));

        Assert.Equal([(1.5, "execute")], durations);
        Assert.Equal(1.5, scrape.Value("verity_task_duration_seconds_sum", ("type", "execute")));

        // Every observed value equals the text's sample; counters carry the _total suffix there.
        Assert.Equal(4 * 3 + 2 + 1 + 4 + 3 * 6, longs.Count); // per-type counters, plain counters, agents, jobs, tasks
        foreach (var (name, value, tags, isCounter) in longs)
        {
            string family = isCounter ? name + "_total" : name;
            Assert.Equal(isCounter ? "counter" : "gauge", scrape.Types[family]);
            Assert.Equal(scrape.Value(family, [.. tags.Select(t => (t.Key, t.Value))]), value);
        }
        Assert.Contains(longs, l => l.Name == "verity_task_claims" && l.Tags["type"] == "finalize" && l.Value == 1);
        Assert.Contains(longs, l => l.Name == "verity_agents_live" && l.Value == 2);
        Assert.Contains(longs, l => l.Name == "verity_tasks" && l.Tags["type"] == "prove" && l.Tags["state"] == "ready" && l.Value == 4);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
