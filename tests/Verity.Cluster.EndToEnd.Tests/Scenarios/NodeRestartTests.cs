using Verity.Cluster.Blobs;
using Verity.Cluster.Client;
using Verity.Cluster.EndToEnd.Tests.Infrastructure;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Tests.Store;
using Verity.Node.Configuration;
using Xunit.Abstractions;

namespace Verity.Cluster.EndToEnd.Tests.Scenarios;

/// <summary>
/// Scenario 3: a `verity node` process (with its embedded agent) is killed hard in the middle of a job and started
/// again on the same store and blob dir; the job completes, and no task that was done is done again: the task whose
/// lease died with the node is requeued as the node starts (not after its heartbeat timeout) and runs again without
/// using an attempt.
/// </summary>
public abstract class NodeRestartTests(ITestOutputHelper output) : ClusterScenario(output)
{
    [Fact]
    public async Task A_job_survives_a_hard_kill_of_its_node_and_only_the_interrupted_task_runs_again()
    {
        // 6 s: three of the embedded agent's 2 s heartbeat intervals, so a live lease survives a loaded machine, and
        // the dead node's lease is still taken back within seconds (node processes run on the system clock).
        var broker = NodeSettings.Broker(TimeSpan.FromSeconds(6));
        byte[] input = "abc"u8.ToArray();
        var (first, url) = await StartNodeProcessAsync("node 1", agents: 1, broker);
        string jobId;
        using (var client = new NodeClient(url, NodeSettings.ApiKey, timeout: TimeSpan.FromSeconds(60)))
        {
            // po2 10: nine segments, so ten prove tasks of 300 ms, one at a time on the node's one agent worker.
            jobId = await SubmitAsync(client, TestGuests.Sha256Elf, input, po2: 10, new SimulationSpec { TaskDelayMs = 300 });
            await Eventually.StatusAsync(client, jobId, "two prove tasks done", s => s.Tasks["prove"].Done >= 2, TimeSpan.FromSeconds(60));
        }
        first.Kill();

        // What the store holds after the crash: some prove tasks done, the rest not, at most one leased to the dead agent.
        var atCrash = (await Store.TasksAsync(jobId)).ToDictionary(r => r.TaskId);
        var proves = atCrash.Values.Where(r => r.Type == TaskType.Prove).ToList();
        Assert.Equal(10, proves.Count);
        Assert.InRange(proves.Count(r => r.State == TaskState.Done), 2, 9);
        Assert.InRange(atCrash.Values.Count(r => r.State == TaskState.Running), 0, 1);
        Assert.Equal(TaskState.Pending, atCrash[TaskIds.TaskId(jobId, TaskType.Finalize, 0)].State);

        var (second, url2) = await StartNodeProcessAsync("node 2", agents: 1, broker);
        using (var client = new NodeClient(url2, NodeSettings.ApiKey, timeout: TimeSpan.FromSeconds(60)))
        {
            var status = await Eventually.SucceededAsync(client, jobId, TimeSpan.FromSeconds(90));
            Assert.Equal(9, status.Segments);
            Assert.Equal(Convert.ToHexStringLower(TestGuests.Sha256Journal(input)), status.JournalHex);
            Assert.Equal(new TaskProgress { Total = 10, Done = 10 }, status.Tasks["prove"]);
            Assert.Equal(status.ReceiptBytes, (await client.GetReceiptAsync(jobId)).Length);
        }
        second.Kill();

        // Every task done. One done before the crash was not touched again (same lease, same output); every other one
        // ran exactly once more: the one leased to the dead agent lost its lease (the restart gave its attempt back),
        // the rest had not started.
        var after = await Store.TasksAsync(jobId);
        Assert.Equal(atCrash.Keys.Order(), after.Select(r => r.TaskId).Order());
        foreach (var row in after)
        {
            var before = atCrash[row.TaskId];
            Assert.True(row.State == TaskState.Done, $"{row.TaskId} ended {row.State}");
            if (before.State == TaskState.Done)
            {
                Assert.Equal(before, row);
                continue;
            }
            int attempts = before.State == TaskState.Running ? before.Attempts : before.Attempts + 1;
            Assert.True(attempts == row.Attempts,
                $"{row.TaskId} was {before.State} after {before.Attempts} attempt(s) at the crash and took {row.Attempts} in all");
            if (before.State == TaskState.Running) Assert.NotEqual(before.LeaseId, row.LeaseId);
        }

        // Both nodes wrote to the one blob dir: the run, every proof and the receipt are there.
        var blobs = new FileBlobStore(new NodeOptions { DataDir = DataDir }.BlobDir);
        var keys = new List<string>();
        await foreach (var key in blobs.ListAsync(BlobKeys.JobPrefix(jobId))) keys.Add(key);
        string[] expected = [BlobKeys.Run(jobId), .. Enumerable.Range(0, 10).Select(i => BlobKeys.Proof(jobId, i)), BlobKeys.Receipt(jobId)];
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }
}

public sealed class SqliteNodeRestartTests(ITestOutputHelper output) : NodeRestartTests(output)
{
    protected override Task<StoreTarget> CreateStoreAsync() => Task.FromResult<StoreTarget>(new SqliteStoreTarget(DataDir));
}

public sealed class PostgresNodeRestartTests(PostgresDatabaseFixture db, ITestOutputHelper output) : NodeRestartTests(output), IClassFixture<PostgresDatabaseFixture>
{
    protected override async Task<StoreTarget> CreateStoreAsync() => new PostgresStoreTarget(await db.NewSchemaAsync());
}
