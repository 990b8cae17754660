using System.Collections.Concurrent;
using System.Diagnostics;
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
/// Measures a task store's scheduling throughput: creates <c>jobs × tasksPerJob</c> Ready prove tasks, then runs
/// <c>agents</c> concurrent loops of claim → complete (empty output, no completion effects) until nothing is left.
/// Checks on the way that every task was claimed exactly once. The jobs are cancelled afterwards, so the store is left
/// with no running work. Use a store of its own (a fresh file or database): the result counts every Ready task.
/// </summary>
public static class ClaimBenchmark
{
    public static async Task<ClaimBenchmarkResult> RunAsync(ITaskStore store, int agents = 64, int jobs = 64, int tasksPerJob = 64,
        CancellationToken ct = default)
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
            while (true)
            {
                long t0 = Stopwatch.GetTimestamp();
                var task = await store.ClaimAsync(agent, TaskTypes.All, DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
                if (task is null) return;
                var outcome = await store.CompleteAsync(task.Lease, "{}", new TaskCompletion(), DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
                Interlocked.Add(ref latencyTicks, Stopwatch.GetTimestamp() - t0);
                if (outcome != ReportOutcome.Accepted)
                    throw new InvalidOperationException($"{task.TaskId}: completion was {outcome}, expected Accepted");
                claimed.AddOrUpdate(task.TaskId, 1, (_, n) => n + 1);
            }
        }, ct)).ToList();
        await Task.WhenAll(loops).ConfigureAwait(false);
        clock.Stop();

        int total = jobs * tasksPerJob;
        var twice = claimed.Where(kv => kv.Value > 1).Select(kv => kv.Key).Take(5).ToList();
        if (twice.Count > 0) throw new InvalidOperationException($"tasks claimed more than once: {string.Join(", ", twice)}");
        if (claimed.Count != total) throw new InvalidOperationException($"{claimed.Count} of {total} tasks were claimed");
        foreach (var id in jobIds) await store.CancelJobAsync(id, DateTimeOffset.UtcNow, "benchmark finished", ct).ConfigureAwait(false);

        double seconds = clock.Elapsed.TotalSeconds;
        return new ClaimBenchmarkResult(agents, total, clock.Elapsed, total / seconds,
            Stopwatch.GetElapsedTime(0, latencyTicks).TotalMilliseconds / total);
    }
}
