using Verity.Cluster.Agents;
using Verity.Cluster.EndToEnd.Tests.Infrastructure;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Tests.Store;
using Xunit.Abstractions;

namespace Verity.Cluster.EndToEnd.Tests.Scenarios;

/// <summary>
/// Scenario 4: two agents on one task, over the JSON-RPC endpoint. Asking at once for the only ready task, exactly one
/// gets it. A slow agent's lease expires and a second agent takes the task: the first one's heartbeat takes it back
/// (the earlier lease wins), the second is told its lease is lost along with its next task; both then report success,
/// the first report counts and the second is a duplicate, and the job completes once.
/// </summary>
public abstract class LeaseRaceTests(ITestOutputHelper output) : ClusterScenario(output)
{
    private static readonly TaskType[] All = [.. TaskTypes.All];
    private const string ProveCount = "verity_task_duration_seconds_count{type=\"prove\"}";
    private const string FinalizeCount = "verity_task_duration_seconds_count{type=\"finalize\"}";

    [Fact]
    public async Task One_claim_wins_the_race_and_the_earlier_lease_and_the_first_result_win()
    {
        // Leases expire when the test moves the node's clock past the heartbeat timeout, not after some wall-clock
        // time: on a loaded machine a short timeout could also expire the leases the test means to keep.
        var clock = new ShiftedClock();
        var heartbeatTimeout = TimeSpan.FromMinutes(10);
        var broker = NodeSettings.Broker(heartbeatTimeout);
        var node = await StartNodeAsync(agents: 0, broker, c => c with { Time = clock });
        byte[] input = "abc"u8.ToArray();
        // po2 14: one segment, so two prove tasks (the segment and the memory table).
        string jobId = await SubmitAsync(node.Client, Guests.Sha256Elf, input, po2: 14, new SimulationSpec { TaskDelayMs = 0 });
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

        // A's heartbeat takes the task back; B's says lost and hands B the next task, prove 1.
        var heldByA = await a.HeartbeatAsync(slow, TaskType.Prove);
        Assert.Equal(LeaseStatus.Held, heldByA.Status);
        Assert.Null(heldByA.Next);
        var lostByB = await b.HeartbeatAsync(taken, All);
        Assert.Equal(LeaseStatus.Lost, lostByB.Status);
        var next = lostByB.Next;
        Assert.NotNull(next);
        Assert.Equal(TaskIds.TaskId(jobId, TaskType.Prove, 1), next.TaskId);
        Assert.Equal(LeaseStatus.Held, (await a.HeartbeatAsync(slow, TaskType.Prove)).Status);
        var row = await Store.TaskAsync(jobId, TaskType.Prove, 0);
        Assert.Equal((TaskState.Running, slow.Lease.LeaseId, "agent-a", 2), (row.State, row.LeaseId, row.AgentId, row.Attempts));

        // Both did the work. B (whose lease was lost) reports first: the first result wins; A's is a duplicate.
        string fromA = Tagged(await a.WorkAsync(slow), proveMs: 1);
        Assert.Equal(0, await node.MetricAsync(ProveCount));
        Assert.Null(await b.ReportAsync(taken, fromB, TaskType.Prove));
        Assert.Equal(1, await node.MetricAsync(ProveCount));
        Assert.Null(await a.ReportAsync(slow, fromA, TaskType.Prove));
        Assert.Equal(1, await node.MetricAsync(ProveCount));
        row = await Store.TaskAsync(jobId, TaskType.Prove, 0);
        Assert.Equal((TaskState.Done, fromB, 2), (row.State, row.OutputJson, row.Attempts));

        // B finishes prove 1, which hands it finalize; the job succeeds once.
        var finalize = await b.ReportAsync(next, await b.WorkAsync(next), All);
        Assert.NotNull(finalize);
        Assert.Equal(TaskIds.TaskId(jobId, TaskType.Finalize, 0), finalize.TaskId);
        Assert.Null(await b.ReportAsync(finalize, await b.WorkAsync(finalize), All));
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
