using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Npgsql;
using Verity.Cluster.Agents;
using Verity.Cluster.Agents.Http;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Runners;
using Verity.Cluster.Store;
using Verity.Cluster.Tests.TestDoubles;

namespace Verity.Cluster.Tests.Agents;

/// <summary>
/// <see cref="ProvingAgent"/> under faults (issue 11, items 1, 2 and 12): store errors of any kind, reports that do not
/// get through, refusals, a full disk. Against a scripted broker connection; every wait is for recorded calls.
/// </summary>
public sealed class ProvingAgentResilienceTests : ScriptedAgentTests
{
    private readonly RecordingMonitor _monitor = new();

    private static readonly AgentOptions Fast = new()
    {
        Name = "test",
        PollInterval = TimeSpan.FromMilliseconds(20),
        HeartbeatInterval = TimeSpan.FromMilliseconds(20),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(50),
        // Long enough that no repeat is ever logged because time passed: the tests count lines.
        FailureLogInterval = TimeSpan.FromHours(1),
    };

    private static TaskStoreException Locked() =>
        new("SQLite task store (node.db)", "claim", new SqliteException("SQLite Error 5: 'database is locked'.", 5));

    private static TaskStoreException Terminated() =>
        new("PostgreSQL task store (db)", "claim", new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"));

    [Fact]
    public async Task Store_errors_from_theBroker_are_retried_and_the_worker_keeps_going()
    {
        // Before: only connection errors were caught, so the first store error ended the worker for good.
        var a = ScriptedBrokerConnection.NewTask(TaskType.Execute, 0);
        Broker.GetTaskFailures.Enqueue(Locked());
        Broker.GetTaskFailures.Enqueue(Terminated());
        Broker.GetTaskFailures.Enqueue(new InvalidOperationException("something else went wrong in the node"));
        Broker.Tasks.Enqueue(a);

        var agent = await RunUntilAsync(ScriptedRunner.Succeeding(), Fast, calls => calls.Any(c => c.Method == "reportSuccess"), _monitor);

        var calls = Broker.Calls.ToList();
        Assert.Equal(4, calls.Take(calls.FindIndex(c => c.Method == "reportSuccess")).Count(c => c.Method == "getTask"));
        Assert.Equal(1, agent.Completed);
        Assert.Contains(Log, l => l.Contains("database is locked", StringComparison.Ordinal));
        Assert.Contains(Log, l => l.Contains("administrator command", StringComparison.Ordinal));
        Assert.Contains(Log, l => l.Contains("the node answers again after 3 failure(s)", StringComparison.Ordinal));
        Assert.Equal(3, _monitor.Failures.Count);
        Assert.True(_monitor.Successes > 0);
    }

    [Fact]
    public async Task A_failure_repeating_for_the_same_reason_isLogged_once()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Execute, 0);
        for (int i = 0; i < 5; i++) Broker.GetTaskFailures.Enqueue(Locked());
        Broker.Tasks.Enqueue(a);

        await RunUntilAsync(ScriptedRunner.Succeeding(), Fast, calls => calls.Any(c => c.Method == "reportSuccess"), _monitor);

        Assert.Single(Log, l => l.Contains("database is locked", StringComparison.Ordinal));
        Assert.Contains(Log, l => l.Contains("the node answers again after 5 failure(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_result_whose_report_fails_is_kept_and_sent_again_heartbeating_meanwhile()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Prove, 0);
        Broker.Tasks.Enqueue(a);
        Broker.ReportFailures.Enqueue(new HttpRequestException("Connection refused (127.0.0.1:8547)"));
        Broker.ReportFailures.Enqueue(Locked());
        var runner = ScriptedRunner.Succeeding();

        var agent = await RunUntilAsync(runner, Fast, calls => calls.Count(c => c.Method == "reportSuccess") == 3, _monitor);

        Assert.Equal([a.TaskId], runner.Started); // run once: the result was kept, not thrown away
        var calls = Broker.Calls.ToList();
        var reports = calls.Where(c => c.Method == "reportSuccess").ToList();
        Assert.All(reports, r => Assert.Equal((a.TaskId, ScriptedRunner.Output(a)), (r.TaskId, r.Output)));
        // Between the failed reports the lease was renewed, and no new task was asked for.
        int first = calls.IndexOf(reports[0]), last = calls.IndexOf(reports[2]);
        var between = calls.Skip(first + 1).Take(last - first - 1).ToList();
        Assert.Contains(between, c => c.Method == "heartbeat" && c.TaskId == a.TaskId);
        Assert.DoesNotContain(between, c => c.Method == "getTask");
        Assert.Equal(1, agent.Completed);
    }

    [Fact]
    public async Task A_kept_result_is_dropped_when_the_node_says_the_lease_is_lost()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Prove, 0);
        var b = ScriptedBrokerConnection.NewTask(TaskType.Prove, 1);
        Broker.Tasks.Enqueue(a);
        Broker.ReportFailures.Enqueue(new HttpRequestException("Connection refused"));
        var reportFailed = false;
        Broker.HeartbeatAnswer = lease =>
        {
            // Lost only once the report failed, so the run itself is never interrupted.
            reportFailed |= Broker.Calls.Any(c => c.Method == "reportSuccess");
            return lease.TaskId == a.TaskId && reportFailed ? new HeartbeatReply(LeaseStatus.Lost, b) : new HeartbeatReply(LeaseStatus.Held, null);
        };

        var agent = await RunUntilAsync(ScriptedRunner.Succeeding(), Fast, calls => calls.Any(c => c.Method == "reportSuccess" && c.TaskId == b.TaskId), _monitor);

        Assert.Single(Broker.Calls, c => c.Method == "reportSuccess" && c.TaskId == a.TaskId);
        Assert.Contains(Log, l => l.Contains($"lost the lease on {a.TaskId} before its result got through", StringComparison.Ordinal));
        Assert.Equal(1, agent.Completed); // only B's was accepted
    }

    [Fact]
    public async Task A_report_the_node_refuses_is_not_sent_again()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Prove, 0);
        var b = ScriptedBrokerConnection.NewTask(TaskType.Prove, 1);
        Broker.Tasks.Enqueue(a);
        Broker.Tasks.Enqueue(b);
        Broker.ReportFailures.Enqueue(new BrokerRpcException("verity_reportSuccess", 400, -32602, "invalid params"));

        var agent = await RunUntilAsync(ScriptedRunner.Succeeding(), Fast, calls => calls.Any(c => c.Method == "reportSuccess" && c.TaskId == b.TaskId), _monitor);

        Assert.Single(Broker.Calls, c => c.Method == "reportSuccess" && c.TaskId == a.TaskId);
        Assert.Contains(Log, l => l.Contains("the node refused the result", StringComparison.Ordinal));
        Assert.Equal(1, agent.Completed);
    }

    [Fact]
    public async Task A_refused_agent_token_ends_the_agent_with_the_nodes_reason()
    {
        Broker.GetTaskFailures.Enqueue(new BrokerRpcException("verity_getTask", 401, null, "the node refused the agent token"));
        var agent = new ProvingAgent(Broker, ScriptedRunner.Succeeding, Fast, Log.Enqueue);

        var e = await Assert.ThrowsAsync<BrokerRpcException>(() => agent.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal(401, e.HttpStatus);
    }

    [Fact]
    public async Task A_run_that_fails_on_a_full_disk_runs_again_under_the_same_lease_without_reporting_an_error()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Prove, 0);
        Broker.Tasks.Enqueue(a);
        int runs = 0;
        var runner = new ScriptedRunner((t, _, _) => Interlocked.Increment(ref runs) == 1
            ? throw DiskFullErrors.Create()
            : Task.FromResult(ScriptedRunner.Output(t)));

        var agent = await RunUntilAsync(runner, Fast, calls => calls.Any(c => c.Method == "reportSuccess"), _monitor);

        Assert.Equal([a.TaskId, a.TaskId], runner.Started);
        Assert.DoesNotContain(Broker.Calls, c => c.Method == "reportError");
        Assert.Contains(Broker.Calls, c => c.Method == "heartbeat" && c.TaskId == a.TaskId); // the lease was kept
        Assert.Contains(Log, l => l.Contains(StorageFaults.DiskFullMessage, StringComparison.Ordinal));
        Assert.Equal(0, agent.Failed);
        Assert.True(StorageFaults.IsDiskFull(Assert.Single(_monitor.RunFailures)));
    }

    private sealed class RecordingMonitor : IAgentMonitor
    {
        private int _successes;
        public int Successes => Volatile.Read(ref _successes);
        public ConcurrentQueue<Exception> Failures { get; } = new();
        public ConcurrentQueue<Exception> RunFailures { get; } = new();
        public void CallSucceeded(string agentId) => Interlocked.Increment(ref _successes);
        public void CallFailed(string agentId, Exception error) => Failures.Enqueue(error);
        public void RunFailed(string agentId, Exception error) => RunFailures.Enqueue(error);
    }
}
