using System.Collections.Concurrent;
using Verity.Cluster.Agents;
using Verity.Cluster.Agents.Http;
using Verity.Cluster.EndToEnd.Tests.Infrastructure;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Runners;
using Verity.Cluster.Tests.Store;
using Xunit.Abstractions;

namespace Verity.Cluster.EndToEnd.Tests.Scenarios;

/// <summary>
/// Scenario 2: a `verity agent` process is killed (SIGKILL, no hand-back) while it proves; its lease expires, the task
/// is requeued as a second attempt, another agent proves it, and the job succeeds.
/// </summary>
public abstract class AgentKilledTests(ITestOutputHelper output) : ClusterScenario(output)
{
    [Fact]
    public async Task A_task_of_a_killed_agent_process_is_taken_over_after_its_lease_expires()
    {
        // The dead agent's lease expires when the test moves the node's clock past the heartbeat timeout, so no live
        // agent's lease can expire on a loaded machine whose heartbeats come late.
        var clock = new ShiftedClock();
        var heartbeatTimeout = TimeSpan.FromMinutes(10);
        var broker = NodeSettings.Broker(heartbeatTimeout);
        var node = await StartNodeAsync(agents: 0, broker, c => c with { Time = clock });
        byte[] input = "abc"u8.ToArray();
        // po2 14: the sha256 guest's 9,095 cycles are one segment, so two prove tasks of 4 s each.
        string jobId = await SubmitAsync(node.Client, TestGuests.Sha256Elf, input, po2: 14, new SimulationSpec { TaskDelayMs = 4000 });

        var doomed = Track(VerityProcess.Start("doomed agent",
            ["agent", "--node", node.Url.ToString(), "--token", NodeSettings.AgentToken, "--types", "execute,prove,finalize", "--name", "doomed"], null, Log));
        var running = await Eventually.WaitAsync("a prove task running on the agent process",
            async () => (await Store.TasksAsync(jobId)).Where(r => r.Type == TaskType.Prove && r.State == TaskState.Running).ToList(),
            rows => rows.Count > 0, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50));
        doomed.Kill();
        var victim = Assert.Single(running);
        Assert.StartsWith("doomed/", victim.AgentId);
        Assert.Equal(1, victim.Attempts);
        Assert.Equal(0, await node.MetricAsync("verity_task_timeouts_total{type=\"prove\"}"));
        clock.Advance(heartbeatTimeout + TimeSpan.FromSeconds(1));

        // A second agent (in this process, over HTTP) takes the other task at once and the victim once its lease expired.
        var lines = new ConcurrentQueue<string>();
        using var connection = AgentHttp.Create(node.Url, NodeSettings.AgentToken);
        var rescuer = new ProvingAgent(connection, () => new ZkvmTaskRunner(),
            new AgentOptions { Name = "rescuer", Concurrency = 2, PollInterval = TimeSpan.FromMilliseconds(100), HeartbeatInterval = TimeSpan.FromMilliseconds(500) },
            line => { lines.Enqueue(line); Log($"[rescuer] {line}"); });
        using var stop = new CancellationTokenSource();
        var run = rescuer.RunAsync(stop.Token);
        try
        {
            var status = await Eventually.SucceededAsync(node.Client, jobId, TimeSpan.FromSeconds(90));
            Assert.Equal(new TaskProgress { Total = 2, Done = 2 }, status.Tasks["prove"]);
            Assert.Equal(Convert.ToHexStringLower(TestGuests.Sha256Journal(input)), status.JournalHex);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }

        // The killed task took exactly two attempts, the second on the rescuer; the other task one; one lease timed out.
        var rows = await Store.TasksAsync(jobId);
        Assert.All(rows, r => Assert.Equal(TaskState.Done, r.State));
        var retried = rows.Single(r => r.TaskId == victim.TaskId);
        Assert.Equal(2, retried.Attempts);
        Assert.StartsWith("rescuer/", retried.AgentId);
        Assert.Contains(lines, l => l.EndsWith($"{victim.TaskId} (attempt 2)", StringComparison.Ordinal));
        Assert.Equal(1, rows.Single(r => r.Type == TaskType.Prove && r.TaskId != victim.TaskId).Attempts);
        Assert.Equal(1, await node.MetricAsync("verity_task_timeouts_total{type=\"prove\"}"));
        Assert.Equal(0, await node.MetricAsync("verity_task_failures_total{type=\"prove\"}"));
        Assert.Equal(3, rescuer.Completed); // the other prove task, the victim and finalize
    }
}

public sealed class SqliteAgentKilledTests(ITestOutputHelper output) : AgentKilledTests(output)
{
    protected override Task<StoreTarget> CreateStoreAsync() => Task.FromResult<StoreTarget>(new SqliteStoreTarget(DataDir));
}

public sealed class PostgresAgentKilledTests(PostgresDatabaseFixture db, ITestOutputHelper output) : AgentKilledTests(output), IClassFixture<PostgresDatabaseFixture>
{
    protected override async Task<StoreTarget> CreateStoreAsync() => new PostgresStoreTarget(await db.NewSchemaAsync());
}
