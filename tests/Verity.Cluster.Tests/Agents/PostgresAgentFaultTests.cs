using System.Collections.Concurrent;
using Npgsql;
using Verity.Cluster.Agents;
using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Store;
using Verity.Cluster.Store.Postgres;
using Verity.Cluster.Tests.Store;
using Verity.Cluster.Tests.TestDoubles;

namespace Verity.Cluster.Tests.Agents;

/// <summary>
/// An in-process agent (the node's embedded kind) on the PostgreSQL store when the server terminates its connections
/// (57P01, as on a restart; issue 11, item 1): the agent retries and the job finishes. Needs the throwaway server.
/// </summary>
public sealed class PostgresAgentFaultTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"verity-agent-pg-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task An_in_process_agent_survives_the_server_terminating_its_connections()
    {
        string application = "verity-agent-fault-" + Guid.NewGuid().ToString("N")[..8];
        string connection = new NpgsqlConnectionStringBuilder(await database.NewSchemaAsync()) { ApplicationName = application }.ConnectionString;
        await using var store = new PostgresTaskStore(connection, new TaskPolicies());
        await store.MigrateAsync();
        using var metrics = new ClusterMetrics();
        var blobs = new FileBlobStore(_dir);
        var broker = new ProvingBroker(store, blobs, metrics);
        var spec = new JobSpec { ImageId = new string('a', 64), InputId = new string('b', 64), SegmentPo2 = 12 };
        string jobId = TaskIds.NewJobId();
        await store.CreateJobAsync(jobId, spec, JobPlanner.InitialTasks(spec), DateTimeOffset.UtcNow);

        var proveStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runner = new ScriptedRunner(async (t, _, ct) =>
        {
            switch (t.Type)
            {
                case TaskType.Execute:
                    return ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = 1000, Segments = 1, JournalHex = "cafe", InputConsumed = 0 });
                case TaskType.Prove:
                    proveStarted.TrySetResult();
                    await gate.Task.WaitAsync(ct);
                    // The broker completes a prove or finalize task only when its output blob is there.
                    await blobs.PutAsync(BlobKeys.Proof(t.JobId, t.Index), new byte[3], ct);
                    return ClusterJson.Serialize(new ProveTaskOutput { ProofBytes = 3 });
                default:
                    await blobs.PutAsync(BlobKeys.Receipt(t.JobId), new byte[10], ct);
                    return ClusterJson.Serialize(new FinalizeTaskOutput { ReceiptBytes = 10 });
            }
        });
        var failures = new ConcurrentQueue<Exception>();
        var log = new ConcurrentQueue<string>();
        var agent = new ProvingAgent(new InProcessBrokerConnection(broker), () => runner, new AgentOptions
        {
            Name = "pg",
            PollInterval = TimeSpan.FromMilliseconds(20),
            HeartbeatInterval = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
        }, log.Enqueue, new FailureMonitor(failures));
        using var stop = new CancellationTokenSource();
        var running = agent.RunAsync(stop.Token);
        try
        {
            await proveStarted.Task.WaitAsync(TimeSpan.FromSeconds(60));
            // The server ends every connection of the agent's pool: the next call on each fails with 57P01.
            await using (var admin = new NpgsqlConnection(database.Admin))
            {
                await admin.OpenAsync();
                await using var kill = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @a", admin);
                kill.Parameters.AddWithValue("a", application);
                Assert.True((long)(await kill.ExecuteScalarAsync())! >= 1);
            }
            gate.SetResult();

            await Until(() => !failures.IsEmpty, "the agent to meet a terminated connection");
            Assert.IsType<TaskStoreException>(failures.First());
            await Until(async () => (await store.GetJobAsync(jobId))?.State == JobState.Succeeded, "the job to succeed");
        }
        finally
        {
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(60));
        }
        Assert.False(running.IsFaulted);
        // Execute, two proves, finalize, each run once: the results were kept through the failures, not run again.
        Assert.Equal(4, runner.Started.Count);
        Assert.Equal(4, runner.Started.Distinct().Count());
    }

    private static async Task Until(Func<bool> condition, string what) => await Until(() => Task.FromResult(condition()), what);

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60); // a hang guard only
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 60 s for {what}");
            await Task.Delay(20);
        }
    }

    private sealed class FailureMonitor(ConcurrentQueue<Exception> failures) : IAgentMonitor
    {
        public void CallSucceeded(string agentId) { }
        public void CallFailed(string agentId, Exception error) => failures.Enqueue(error);
        public void RunFailed(string agentId, Exception error) { }
    }
}
