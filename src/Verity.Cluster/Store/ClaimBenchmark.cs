using System.Collections.Concurrent;
using System.Diagnostics;
using Verity.Cluster.Agents;
using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>What <see cref="ClaimBenchmark"/> measured.</summary>
/// <param name="Agents">Concurrent claim → complete loops.</param>
/// <param name="Tasks">Tasks claimed and completed (each exactly once).</param>
/// <param name="Elapsed">Wall time from the first claim to the last completion.</param>
/// <param name="ClaimsPerSecond">Tasks / elapsed seconds.</param>
/// <param name="MeanLatencyMs">Mean time of one claim + complete pair, as one agent sees it.</param>
public sealed record ClaimBenchmarkResult(int Agents, int Tasks, TimeSpan Elapsed, double ClaimsPerSecond, double MeanLatencyMs);

/// <summary>
/// Measures scheduling throughput: creates <c>jobs × tasksPerJob</c> Ready prove tasks, then runs <c>agents</c>
/// concurrent simulated agents that take a task and report it done (empty output, no completion effects) until nothing
/// is left — either straight on the store (claim → complete) or through the agent protocol over an
/// <see cref="IBrokerConnection"/> (get task → report success, which returns the next task), in-process or over HTTP.
/// Checks on the way that every task was taken exactly once. The jobs are cancelled afterwards, so the store is left
/// with no running work. Use a store of its own (a fresh file or database): the result counts every Ready task.
/// </summary>
public static class ClaimBenchmark
{
    /// <summary>Claims and completes straight on the store.</summary>
    public static Task<ClaimBenchmarkResult> RunAsync(ITaskStore store, int agents = 64, int jobs = 64, int tasksPerJob = 64,
        CancellationToken ct = default) =>
        RunAsync(store, agents, jobs, tasksPerJob, async (agent, previous) =>
        {
            if (previous != null)
            {
                var outcome = await store.CompleteAsync(previous.Lease, "{}", new TaskCompletion(), DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
                if (outcome != ReportOutcome.Accepted)
                    throw new InvalidOperationException($"{previous.TaskId}: completion was {outcome}, expected Accepted");
            }
            return await store.ClaimAsync(agent, TaskTypes.All, DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
        }, ct);

    /// <summary>Runs the agents through the agent protocol; <paramref name="store"/> (the broker's store) is seeded.</summary>
    public static Task<ClaimBenchmarkResult> RunAsync(ITaskStore store, IBrokerConnection connection, int agents = 64, int jobs = 64,
        int tasksPerJob = 64, CancellationToken ct = default) =>
        RunAsync(store, agents, jobs, tasksPerJob, (agent, previous) => previous == null
            ? connection.GetTaskAsync(agent, TaskTypes.All, ct)
            : connection.ReportSuccessAsync(agent, previous.Lease, "{}", TaskTypes.All, ct), ct);

    /// <param name="next">One agent step: report <c>previous</c> done (when not null) and return the next task.</param>
    private static async Task<ClaimBenchmarkResult> RunAsync(ITaskStore store, int agents, int jobs, int tasksPerJob,
        Func<string, ClaimedTask?, Task<ClaimedTask?>> next, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(agents, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tasksPerJob, 1);

        var spec = new JobSpec { ImageId = new string('0', 64), InputId = new string('0', 64) };
        var initial = Enumerable.Range(0, tasksPerJob).Select(i => NewTask.Ready(TaskType.Prove, i)).ToList();
        var jobIds = new List<string>(jobs);
        for (int j = 0; j < jobs; j++)
        {
            string id = TaskIds.NewJobId();
            await store.CreateJobAsync(id, spec, initial, DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
            jobIds.Add(id);
        }

        var claimed = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        long latencyTicks = 0;
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, agents).Select(a => Task.Run(async () =>
        {
            string agent = $"bench-agent-{a}";
            ClaimedTask? task = null;
            while (true)
            {
                long t0 = Stopwatch.GetTimestamp();
                task = await next(agent, task).ConfigureAwait(false);
                // Each step is one report + one claim: the scheduler's cost of one task as an agent sees it.
                Interlocked.Add(ref latencyTicks, Stopwatch.GetTimestamp() - t0);
                if (task is null) return;
                claimed.AddOrUpdate(task.TaskId, 1, (_, n) => n + 1);
            }
        }, ct)).ToList();
        await Task.WhenAll(loops).ConfigureAwait(false);
        clock.Stop();

        int total = jobs * tasksPerJob;
        var twice = claimed.Where(kv => kv.Value > 1).Select(kv => kv.Key).Take(5).ToList();
        if (twice.Count > 0) throw new InvalidOperationException($"tasks claimed more than once: {string.Join(", ", twice)}");
        if (claimed.Count != total) throw new InvalidOperationException($"{claimed.Count} of {total} tasks were claimed");
        foreach (var id in jobIds)
        {
            var job = await store.GetJobAsync(id, ct).ConfigureAwait(false);
            var counts = await store.GetTaskCountsAsync(id, ct).ConfigureAwait(false);
            int done = counts.Sum(c => c.Count(TaskState.Done));
            if (done != tasksPerJob) throw new InvalidOperationException($"job {id}: {done} of {tasksPerJob} tasks done (state {job?.State})");
            await store.CancelJobAsync(id, DateTimeOffset.UtcNow, "benchmark finished", ct).ConfigureAwait(false);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        // agents + total steps were timed (the last step of each agent finds no task).
        return new ClaimBenchmarkResult(agents, total, clock.Elapsed, total / seconds,
            Stopwatch.GetElapsedTime(0, latencyTicks).TotalMilliseconds / (total + agents));
    }
}
