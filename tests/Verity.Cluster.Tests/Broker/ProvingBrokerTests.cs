using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cluster.Tests.Broker;

/// <summary>The broker's side of agent reports: outputs checked before the store sees them, leases by the store's
/// record, bad proofs made again, the node's restart, and metrics that count only accepted work.</summary>
public sealed class ProvingBrokerTests
{
    private static readonly TaskType[] NoneReady = [TaskType.Finalize];

    private static BrokerOptions OneAttempt(BrokerOptions? o = null) => (o ?? new BrokerOptions()) with
    {
        Policies = new TaskPolicies { Execute = new TaskPolicy { MaxAttempts = 1 }, Finalize = new TaskPolicy { MaxAttempts = 1 } },
    };

    /// <summary>Runs a whole job through the broker by hand; returns its id.</summary>
    private static async Task<string> ProveJobAsync(BrokerHarness h)
    {
        string job = await h.CreateJobAsync(po2: 10);
        var execute = await h.ClaimAsync();
        var prove = await h.Broker.ReportSuccessAsync("agent", execute.Lease, BrokerHarness.ExecuteOutput(cycles: 2000, segments: 2), BrokerHarness.All);
        while (prove is { Type: TaskType.Prove })
        {
            await h.Files.PutAsync(BlobKeys.Proof(job, prove.Index), "proof"u8.ToArray());
            prove = await h.Broker.ReportSuccessAsync("agent", prove.Lease, BrokerHarness.ProveOutput, BrokerHarness.All);
        }
        var finalize = prove!;
        Assert.Equal(TaskType.Finalize, finalize.Type);
        await h.Files.PutAsync(BlobKeys.Receipt(job), "receipt"u8.ToArray());
        Assert.Null(await h.Broker.ReportSuccessAsync("agent", finalize.Lease, BrokerHarness.FinalizeOutput, BrokerHarness.All));
        Assert.Equal(JobState.Succeeded, (await h.Store.GetJobAsync(job))!.State);
        return job;
    }

    [Fact]
    public async Task ASuccessReportWithAMadeUpLease_CompletesNothing_AndCountsNothing()
    {
        await using var h = await BrokerHarness.StartAsync();
        string job = await h.CreateJobAsync();
        string before = h.Counters();
        // The forgery: any holder of the agent token completed a never-claimed task with invented results.
        var forged = new TaskLease(TaskIds.TaskId(job, TaskType.Execute, 0), 1, 1);
        Assert.Null(await h.Broker.ReportSuccessAsync("forger", forged, BrokerHarness.ExecuteOutput(1000, 1), NoneReady));
        var record = (await h.Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Running, record.State);
        Assert.Null(record.Execution);
        Assert.Equal(before, h.Counters());
        // The task is still there for a real agent.
        Assert.Equal(1, (await h.ClaimAsync()).Attempt);
    }

    [Fact]
    public async Task AnotherAgentHoldingTheRightLease_CanNeitherReportNorHeartbeatIt()
    {
        // Lease ids are sequential, so an agent can learn or guess another agent's current lease (id and start). The
        // lease is bound to the agent it was issued to: with the right lease and its own agent id, a second agent's
        // heartbeat is lost, its success and error reports are ignored, and the holder keeps the task.
        await using var h = await BrokerHarness.StartAsync();
        string job = await h.CreateJobAsync();
        var held = await h.ClaimAsync("agent-a");
        string before = h.Counters();
        Assert.Equal(LeaseStatus.Lost, (await h.Broker.HeartbeatAsync("agent-b", held.Lease, 0.5, NoneReady)).Status);
        Assert.Null(await h.Broker.ReportSuccessAsync("agent-b", held.Lease, BrokerHarness.ExecuteOutput(1000, 1), NoneReady));
        Assert.Null(await h.Broker.ReportErrorAsync("agent-b", held.Lease, "forged", retry: false, NoneReady));
        var record = (await h.Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Running, record.State);
        Assert.Null(record.Execution);
        Assert.Equal(before, h.Counters());
        Assert.Equal(LeaseStatus.Held, (await h.Broker.HeartbeatAsync("agent-a", held.Lease, 0.5, NoneReady)).Status);
        await h.Broker.ReportSuccessAsync("agent-a", held.Lease, BrokerHarness.ExecuteOutput(1000, 1), NoneReady);
        Assert.NotNull((await h.Store.GetJobAsync(job))!.Execution);
    }

    [Fact]
    public async Task Metrics_CountOnlyAcceptedReports()
    {
        await using var h = await BrokerHarness.StartAsync();
        string job = await ProveJobAsync(h);
        string counters = h.Counters();
        Assert.Contains("verity_proven_cycles 2000", counters);
        Assert.Contains("verity_task_duration_seconds_count{type=\"prove\"} 3", counters);
        Assert.Contains("verity_task_duration_seconds_count{type=\"finalize\"} 1", counters);

        // A duplicate of the finished job's reports, forged reports and ignored errors change no counter.
        var finalize = new TaskLease(TaskIds.TaskId(job, TaskType.Finalize, 0), 4, BrokerHarness.T0.ToUnixTimeMilliseconds());
        await h.Broker.ReportSuccessAsync("agent", finalize, BrokerHarness.FinalizeOutput, NoneReady);
        await h.Broker.ReportSuccessAsync("agent", finalize with { LeaseId = 99 }, BrokerHarness.FinalizeOutput, NoneReady);
        await h.Broker.ReportErrorAsync("agent", finalize, "late", retry: false, NoneReady);
        string other = await h.CreateJobAsync();
        await h.Broker.ReportSuccessAsync("forger", new TaskLease(TaskIds.TaskId(other, TaskType.Prove, 0), 1, 1), BrokerHarness.ProveOutput, NoneReady);
        await h.Broker.ReportErrorAsync("forger", new TaskLease(TaskIds.TaskId(other, TaskType.Execute, 0), 1, 1), "forged", retry: false, NoneReady);
        Assert.Equal(counters, h.Counters());
        Assert.Equal(JobState.Running, (await h.Store.GetJobAsync(other))!.State);
    }

    public static TheoryData<string, string> BadExecuteOutputs => new()
    {
        { BrokerHarness.ExecuteOutput(2000, 2, journalHex: "zz"), "journalHex is not hex" },
        { BrokerHarness.ExecuteOutput(2000, 2, journalHex: "abc"), "journalHex is not hex" },
        { BrokerHarness.ExecuteOutput(0, 1), "cycles 0 is outside 1.." },
        { BrokerHarness.ExecuteOutput(5000, 5), "cycles 5000 is outside 1..4096 (the job's cycle limit)" },
        { BrokerHarness.ExecuteOutput(2000, 1), "1 segment(s) do not fit 2000 cycles at segment po2 10 (expected 2)" },
        { BrokerHarness.ExecuteOutput(2000, 9), "9 segment(s) do not fit 2000 cycles" },
        { BrokerHarness.ExecuteOutput(2000, 2, inputConsumed: -1), "inputConsumed -1 is outside" },
        { """{"cycles":"many"}""", "malformed execute output" },
    };

    [Theory]
    [MemberData(nameof(BadExecuteOutputs))]
    public async Task ABadExecuteOutput_FailsTheTask_WithAClearError(string output, string error)
    {
        await using var h = await BrokerHarness.StartAsync(OneAttempt());
        string job = await h.CreateJobAsync(po2: 10, maxCycles: 4096);
        var execute = await h.ClaimAsync();
        await h.Broker.ReportSuccessAsync("agent", execute.Lease, output, BrokerHarness.All);
        var record = (await h.Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.StartsWith("execute task 0 failed after 1 attempt(s): ", record.Error);
        Assert.Contains(error, record.Error);
        Assert.Null(record.Execution);
    }

    [Fact]
    public async Task ARunWithMoreSegmentsThanTheCap_FailsItsJob()
    {
        await using var h = await BrokerHarness.StartAsync(new BrokerOptions { MaxSegmentsPerJob = 4 });
        string job = await h.CreateJobAsync(po2: 10, maxCycles: 4096);
        var execute = await h.ClaimAsync();
        // A cap lowered after the job was created (or an agent's word): the run is checked again.
        await using var lower = new BrokerHarness(new BrokerOptions { MaxSegmentsPerJob = 2 });
        var broker = new ProvingBroker(h.Store, h.Blobs, h.Metrics, lower.Options, h.Clock);
        await broker.ReportSuccessAsync("agent", execute.Lease, BrokerHarness.ExecuteOutput(3000, 3), BrokerHarness.All);
        var record = (await h.Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Contains("the run has 3 segments; this node proves at most 2 per job (Broker:MaxSegmentsPerJob)", record.Error);
        Assert.Contains("after 1 attempt(s)", record.Error); // not retried: another run has as many segments
    }

    [Fact]
    public async Task ASuccessWhoseProofOrReceiptIsNotStored_FailsTheTask()
    {
        await using var h = await BrokerHarness.StartAsync(OneAttempt());
        string job = await h.CreateJobAsync(po2: 10);
        var execute = await h.ClaimAsync();
        var prove = (await h.Broker.ReportSuccessAsync("agent", execute.Lease, BrokerHarness.ExecuteOutput(1000, 1), BrokerHarness.All))!;
        Assert.Equal(TaskType.Prove, prove.Type);
        // No proof blob: the prove task is failed (and retried), not completed.
        var next = (await h.Broker.ReportSuccessAsync("agent", prove.Lease, BrokerHarness.ProveOutput, [TaskType.Prove]))!;
        Assert.NotEqual(prove.TaskId, next.TaskId); // the failed one waits out its backoff
        var counts = (await h.Store.GetTaskCountsAsync(job)).Single(c => c.Type == TaskType.Prove);
        Assert.Equal((0, 1), (counts.Count(TaskState.Done), counts.Count(TaskState.Ready)));

        await h.Files.PutAsync(BlobKeys.Proof(job, next.Index), "p"u8.ToArray());
        await h.Broker.ReportSuccessAsync("agent", next.Lease, BrokerHarness.ProveOutput, [TaskType.Prove]);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        var retried = await h.ClaimAsync("agent", TaskType.Prove);
        await h.Files.PutAsync(BlobKeys.Proof(job, retried.Index), "p"u8.ToArray());
        var finalize = (await h.Broker.ReportSuccessAsync("agent", retried.Lease, BrokerHarness.ProveOutput, BrokerHarness.All))!;
        Assert.Equal(TaskType.Finalize, finalize.Type);
        await h.Broker.ReportSuccessAsync("agent", finalize.Lease, BrokerHarness.FinalizeOutput, BrokerHarness.All);
        var record = (await h.Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Contains($"its receipt 'jobs/{job}/receipt' is not in the blob store", record.Error);
    }

    [Fact]
    public async Task AFinalizeThatFindsABadProof_HasItMadeAgain_AndTheJobGoesOn()
    {
        await using var h = await BrokerHarness.StartAsync(OneAttempt());
        string job = await h.CreateJobAsync(po2: 10);
        var execute = await h.ClaimAsync();
        var task = await h.Broker.ReportSuccessAsync("agent", execute.Lease, BrokerHarness.ExecuteOutput(1000, 1), BrokerHarness.All);
        while (task is { Type: TaskType.Prove })
        {
            await h.Files.PutAsync(BlobKeys.Proof(job, task.Index), "p"u8.ToArray());
            task = await h.Broker.ReportSuccessAsync("agent", task.Lease, BrokerHarness.ProveOutput, BrokerHarness.All);
        }
        var finalize = task!;
        // Only a finalize task may ask, and only for proofs.
        await Assert.ThrowsAsync<ArgumentException>(() => h.Broker.ReportErrorAsync("agent", finalize.Lease, "x", true, BrokerHarness.All,
            redo: [new TaskRef(TaskType.Execute, 0)]));

        // Finalize has one attempt, yet the bad proof does not fail the job: prove 1 runs again, then finalize.
        var next = await h.Broker.ReportErrorAsync("agent", finalize.Lease, "the memory proof is corrupted", retry: true, BrokerHarness.All,
            redo: [new TaskRef(TaskType.Prove, 1)]);
        Assert.Equal(JobState.Running, (await h.Store.GetJobAsync(job))!.State);
        var prove = next ?? await h.ClaimAsync();
        Assert.Equal((TaskType.Prove, 1), (prove.Type, prove.Index));
        var again = (await h.Broker.ReportSuccessAsync("agent", prove.Lease, BrokerHarness.ProveOutput, BrokerHarness.All))!;
        Assert.Equal((TaskType.Finalize, 1), (again.Type, again.Attempt));
        await h.Files.PutAsync(BlobKeys.Receipt(job), "r"u8.ToArray());
        await h.Broker.ReportSuccessAsync("agent", again.Lease, BrokerHarness.FinalizeOutput, BrokerHarness.All);
        Assert.Equal(JobState.Succeeded, (await h.Store.GetJobAsync(job))!.State);
    }

    [Fact]
    public async Task OnStart_TheTasksOfTheNodesOwnEmbeddedAgentsAreRequeued()
    {
        await using var h = await BrokerHarness.StartAsync();
        string job = await h.CreateJobAsync();
        await h.ClaimAsync("node-1/embedded/0");
        Assert.Equal(0, await h.Broker.RequeueTasksOfAgentsAsync("node-2/embedded/"));
        Assert.Equal(1, await h.Broker.RequeueTasksOfAgentsAsync("node-1/embedded/"));
        Assert.Contains("verity_task_retries{type=\"execute\"} 1", h.Counters());
        // No heartbeat timeout to wait out, and no attempt used.
        Assert.Equal(1, (await h.ClaimAsync("node-1/embedded/0")).Attempt);
        Assert.Equal(JobState.Running, (await h.Store.GetJobAsync(job))!.State);
    }
}
