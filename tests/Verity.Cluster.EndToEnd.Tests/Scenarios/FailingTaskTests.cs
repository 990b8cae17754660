using System.Collections.Concurrent;
using Verity.Cluster.EndToEnd.Tests.Infrastructure;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Runners;
using Verity.Cluster.Tests.Store;
using Xunit.Abstractions;

namespace Verity.Cluster.EndToEnd.Tests.Scenarios;

/// <summary>
/// Scenario 5: a task that always fails (a runner double that throws for prove 1). Retryable, it is tried exactly the
/// prove policy's MaxAttempts times and then fails the job with its last error, which `verity job status` shows, and
/// the job's unfinished tasks are cancelled; not retryable, it fails the job at its first attempt.
/// </summary>
public abstract class FailingTaskTests(ITestOutputHelper output) : ClusterScenario(output)
{
    private readonly ConcurrentDictionary<string, int> _failures = new();

    [Fact]
    public async Task A_retryable_failure_fails_the_job_after_the_policys_attempts_and_cancels_the_rest()
    {
        // 30 s: no lease is meant to expire here, not even when a loaded machine delays heartbeats.
        var broker = NodeSettings.Broker(TimeSpan.FromSeconds(30), retryBackoff: TimeSpan.FromMilliseconds(50));
        int maxAttempts = broker.Policies.Prove.MaxAttempts;
        Assert.Equal(3, maxAttempts);
        var node = await StartFailingNodeAsync(broker, retry: true);
        // po2 10: nine segments, so ten prove tasks of 200 ms; with one worker, several are still to run when prove 1
        // has used up its attempts.
        string jobId = await SubmitAsync(node.Client, TestGuests.Sha256Elf, "abc"u8.ToArray(), po2: 10, new SimulationSpec { TaskDelayMs = 200 });

        var status = await Eventually.EndedAsync(node.Client, jobId, TimeSpan.FromSeconds(60));
        string error = $"prove task 1 failed after 3 attempt(s): {FailingRunner.Message} (attempt 3)";
        Assert.Equal(JobState.Failed, status.State);
        Assert.Equal(error, status.Error);
        Assert.Equal(new TaskProgress { Total = 1, Done = 1 }, status.Tasks["execute"]);
        Assert.Equal(new TaskProgress { Total = 1, Cancelled = 1 }, status.Tasks["finalize"]);
        var prove = status.Tasks["prove"];
        Assert.Equal((10, 1, 0, 0, 0), (prove.Total, prove.Failed, prove.Pending, prove.Ready, prove.Running));
        Assert.Equal(9, prove.Done + prove.Cancelled);
        Assert.True(prove.Cancelled > 0, $"no prove task was left to cancel: {ClusterJson.Serialize(status)}");

        var failed = await Store.TaskAsync(jobId, TaskType.Prove, 1);
        Assert.Equal((TaskState.Failed, maxAttempts, $"{FailingRunner.Message} (attempt 3)"), (failed.State, failed.Attempts, failed.LastError));
        Assert.Equal(maxAttempts - 1, await node.MetricAsync("verity_task_retries_total{type=\"prove\"}"));
        Assert.Equal(1, await node.MetricAsync("verity_task_failures_total{type=\"prove\"}"));

        // What an operator sees: `verity job status` from another process.
        var (exitCode, text) = await VerityProcess.RunAsync("job status",
            ["job", "status", jobId, "--node", node.Url.ToString(), "--api-key", NodeSettings.ApiKey], Log);
        Assert.True(exitCode == 0, text);
        Assert.Contains("failed", text);
        Assert.Contains(error, text);
        Assert.Contains("cancelled", text);

        // The failed task was tried exactly MaxAttempts times, and nothing runs after the job failed.
        Assert.Equal(maxAttempts, _failures[jobId]);
        Assert.All(await Store.TasksAsync(jobId), r => Assert.Contains(r.State, new[] { TaskState.Done, TaskState.Failed, TaskState.Cancelled }));
    }

    [Fact]
    public async Task A_failure_that_no_retry_can_fix_fails_the_job_at_the_first_attempt()
    {
        // 30 s: no lease is meant to expire here, not even when a loaded machine delays heartbeats.
        var broker = NodeSettings.Broker(TimeSpan.FromSeconds(30), retryBackoff: TimeSpan.FromMilliseconds(50));
        var node = await StartFailingNodeAsync(broker, retry: false);
        string jobId = await SubmitAsync(node.Client, TestGuests.Sha256Elf, "abc"u8.ToArray(), po2: 12, new SimulationSpec { TaskDelayMs = 50 });

        var status = await Eventually.EndedAsync(node.Client, jobId, TimeSpan.FromSeconds(60));
        Assert.Equal(JobState.Failed, status.State);
        Assert.Equal($"prove task 1 failed after 1 attempt(s): {FailingRunner.Message} (attempt 1)", status.Error);
        Assert.Equal(new TaskProgress { Total = 1, Cancelled = 1 }, status.Tasks["finalize"]);
        Assert.Equal(1, status.Tasks["prove"].Failed);
        var failed = await Store.TaskAsync(jobId, TaskType.Prove, 1);
        Assert.Equal((TaskState.Failed, 1), (failed.State, failed.Attempts));
        Assert.Equal(1, _failures[jobId]);
        Assert.Equal(0, await node.MetricAsync("verity_task_retries_total{type=\"prove\"}"));
        Assert.Equal(1, await node.MetricAsync("verity_task_failures_total{type=\"prove\"}"));
    }

    /// <summary>A node whose embedded agent (one worker) runs every task for real except prove 1, which always fails.</summary>
    private Task<InProcessNode> StartFailingNodeAsync(Cluster.Broker.BrokerOptions broker, bool retry) =>
        StartNodeAsync(agents: 1, broker, c => c with { CreateRunner = _ => new FailingRunner(new ZkvmTaskRunner(), failIndex: 1, retry, _failures) });
}

public sealed class SqliteFailingTaskTests(ITestOutputHelper output) : FailingTaskTests(output)
{
    protected override Task<StoreTarget> CreateStoreAsync() => Task.FromResult<StoreTarget>(new SqliteStoreTarget(DataDir));
}

public sealed class PostgresFailingTaskTests(PostgresDatabaseFixture db, ITestOutputHelper output) : FailingTaskTests(output), IClassFixture<PostgresDatabaseFixture>
{
    protected override async Task<StoreTarget> CreateStoreAsync() => new PostgresStoreTarget(await db.NewSchemaAsync());
}
