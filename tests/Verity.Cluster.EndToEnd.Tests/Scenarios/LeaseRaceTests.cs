using Verity.Cluster.Agents;
using Verity.Cluster.EndToEnd.Tests.Infrastructure;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Tests.Store;
using Xunit.Abstractions;

namespace Verity.Cluster.EndToEnd.Tests.Scenarios;

/// <summary>
/// Scenario 4: two agents on one task, over the JSON-RPC endpoint. Asking at once for the only ready task, exactly one
/// gets it. A slow agent's lease expires and a second agent takes the task: the store's record now names the second
/// lease, so the first agent's heartbeat is told its lease is lost (along with its next task) and the second keeps the
/// task; both then report success, only the second's counts (the first is ignored, later a duplicate), and the job
/// completes once.
/// </summary>
public abstract class LeaseRaceTests(ITestOutputHelper output) : ClusterScenario(output)
{
    private static readonly TaskType[] All = [.. TaskTypes.All];
    private const string ProveCount = "verity_task_duration_seconds_count{type=\"prove\"}";
    private const string FinalizeCount = "verity_task_duration_seconds_count{type=\"finalize\"}";

    [Fact]
    public async Task One_claim_wins_the_race_and_the_recorded_lease_and_its_result_win()
    {
        // Leases expire when the test moves the node's clock past the heartbeat timeout, not after some wall-clock
        // time: on a loaded machine a short timeout could also expire the leases the test means to keep.
        var clock = new ShiftedClock();
        var heartbeatTimeout = TimeSpan.FromMinutes(10);
        var broker = NodeSettings.Broker(heartbeatTimeout);
        var node = await StartNodeAsync(agents: 0, broker, c => c with { Time = clock });
        byte[] input = "abc"u8.ToArray();
        // po2 14: one segment, so two prove tasks (the segment and the memory table).
        string jobId = await SubmitAsync(node.Client, TestGuests.Sha256Elf, input, po2: 14, new SimulationSpec { TaskDelayMs = 0 });
        using var a = new ManualAgent(node.Url, "agent-a");
        using var b = new ManualAgent(node.Url, "agent-b");

        // Both ask at once while only the execute task is ready: exactly one gets it.
        var claims = await Task.WhenAll(a.ClaimAsync(All), b.ClaimAsync(All));
        var execute = Assert.Single(claims, c => c != null)!;
        Assert.Equal(TaskIds.TaskId(jobId, TaskType.Execute, 0), execute.TaskId);
        Assert.Equal(1, execute.Attempt);
        var (winner, loser) = claims[0] != null ? (a, b) : (b, a);
        Assert.Null(await loser.ClaimAsync(All));
        Assert.Null(await winner.ReportAsync(execute, await winner.WorkAsync(execute), TaskType.Execute));
        Assert.Equal(new TaskProgress { Total = 2, Ready = 2 }, (await node.Client.GetStatusAsync(jobId)).Tasks["prove"]);

        // A claims prove 0 and goes quiet: its lease expires and the task is requeued.
        var slow = (await a.ClaimAsync(TaskType.Prove))!;
        Assert.Equal(TaskIds.TaskId(jobId, TaskType.Prove, 0), slow.TaskId);
        clock.Advance(heartbeatTimeout + TimeSpan.FromSeconds(1));
        await Eventually.StatusAsync(node.Client, jobId, "prove 0 requeued after its lease expired",
            s => s.Tasks["prove"] == new TaskProgress { Total = 2, Ready = 2 }, TimeSpan.FromSeconds(30));
        var taken = (await b.ClaimAsync(TaskType.Prove))!;
        Assert.Equal(slow.TaskId, taken.TaskId);
        Assert.Equal(2, taken.Attempt);
        Assert.NotEqual(slow.Lease.LeaseId, taken.Lease.LeaseId);
        Assert.True(slow.Lease.StartedMs < taken.Lease.StartedMs, $"A's lease started at {slow.Lease.StartedMs}, B's at {taken.Lease.StartedMs}");
        // B does the work while its lease is current (the node lets an agent touch a task's blobs only then).
        string fromB = Tagged(await b.WorkAsync(taken), proveMs: 2);

        // B's claim replaced A's lease: A's heartbeat says lost and hands A the next task, prove 1; B keeps prove 0.
        var lostByA = await a.HeartbeatAsync(slow, TaskType.Prove);
        Assert.Equal(LeaseStatus.Lost, lostByA.Status);
        var next = lostByA.Next;
        Assert.NotNull(next);
        Assert.Equal(TaskIds.TaskId(jobId, TaskType.Prove, 1), next.TaskId);
        var heldByB = await b.HeartbeatAsync(taken, All);
        Assert.Equal(LeaseStatus.Held, heldByB.Status);
        Assert.Null(heldByB.Next);
        Assert.Equal(LeaseStatus.Lost, (await a.HeartbeatAsync(slow, TaskType.Execute)).Status);
        var row = await Store.TaskAsync(jobId, TaskType.Prove, 0);
        Assert.Equal((TaskState.Running, taken.Lease.LeaseId, "agent-b", 2), (row.State, row.LeaseId, row.AgentId, row.Attempts));

        // A (whose lease was replaced) may no longer touch the task's blobs, but it can still send a report: ignored,
        // no metric. B's result counts.
        string fromA = Tagged(fromB, proveMs: 1);
        Assert.Equal(0, await node.MetricAsync(ProveCount, absent: 0));
        Assert.Null(await a.ReportAsync(slow, fromA, TaskType.Prove));
        Assert.Equal(0, await node.MetricAsync(ProveCount, absent: 0));
        Assert.Equal(TaskState.Running, (await Store.TaskAsync(jobId, TaskType.Prove, 0)).State);
        Assert.Null(await b.ReportAsync(taken, fromB, TaskType.Prove));
        Assert.Equal(1, await node.MetricAsync(ProveCount));
        row = await Store.TaskAsync(jobId, TaskType.Prove, 0);
        Assert.Equal((TaskState.Done, fromB, 2), (row.State, row.OutputJson, row.Attempts));

        // A finishes prove 1, which hands it finalize; the job succeeds once.
        var finalize = await a.ReportAsync(next, await a.WorkAsync(next), All);
        Assert.NotNull(finalize);
        Assert.Equal(TaskIds.TaskId(jobId, TaskType.Finalize, 0), finalize.TaskId);
        Assert.Null(await a.ReportAsync(finalize, await a.WorkAsync(finalize), All));
        var status = await node.Client.GetStatusAsync(jobId);
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(status.ReceiptBytes, (await node.Client.GetReceiptAsync(jobId)).Length);
        Assert.Equal(2, await node.MetricAsync(ProveCount));
        Assert.Equal(1, await node.MetricAsync(FinalizeCount));

        // A late duplicate of the finished job changes nothing.
        Assert.Null(await a.ReportAsync(slow, fromA, All));
        Assert.Equal(ClusterJson.Serialize(status), ClusterJson.Serialize(await node.Client.GetStatusAsync(jobId)));
        var rows = await Store.TasksAsync(jobId);
        Assert.Equal([1, 2, 1, 1], rows.Select(r => r.Attempts));
        Assert.All(rows, r => Assert.Equal(TaskState.Done, r.State));
        Assert.Equal(fromB, rows[1].OutputJson);
    }

    /// <summary>The prove output with its timing replaced, so the test can tell whose report the store kept.</summary>
    private static string Tagged(string output, double proveMs) =>
        ClusterJson.Serialize(ClusterJson.Deserialize<ProveTaskOutput>(output) with { ProveMs = proveMs });
}

public sealed class SqliteLeaseRaceTests(ITestOutputHelper output) : LeaseRaceTests(output)
{
    protected override Task<StoreTarget> CreateStoreAsync() => Task.FromResult<StoreTarget>(new SqliteStoreTarget(DataDir));
}

public sealed class PostgresLeaseRaceTests(PostgresDatabaseFixture db, ITestOutputHelper output) : LeaseRaceTests(output), IClassFixture<PostgresDatabaseFixture>
{
    protected override async Task<StoreTarget> CreateStoreAsync() => new PostgresStoreTarget(await db.NewSchemaAsync());
}
