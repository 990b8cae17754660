using System.Collections.Concurrent;
using Verity.Cluster.Agents;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Runners;
using Verity.Cluster.Tests.TestDoubles;

namespace Verity.Cluster.Tests.Agents;

/// <summary>The agent loop (<see cref="ProvingAgent"/>) against a scripted broker connection.</summary>
public sealed class ProvingAgentTests : ScriptedAgentTests
{

    private static readonly AgentOptions Fast = new()
    {
        Name = "test",
        PollInterval = TimeSpan.FromMilliseconds(20),
        HeartbeatInterval = TimeSpan.FromMilliseconds(20),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(300),
    };

    [Fact]
    public async Task Success_reports_hand_back_the_next_task_without_polling()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Execute, 0);
        var b = ScriptedBrokerConnection.NewTask(TaskType.Prove, 1);
        Broker.Tasks.Enqueue(a);
        Broker.Tasks.Enqueue(b);

        var agent = await RunUntilAsync(ScriptedRunner.Succeeding(), Fast, calls => calls.Count(c => c.Method == "reportSuccess") == 2);

        // Heartbeats may come between any two calls (a loaded machine can delay a report past a tick): they are
        // not what this test is about, so they are left out of the sequence.
        var calls = Broker.Calls.Where(c => c.Method != "heartbeat").ToList();
        Assert.Equal(("getTask", (string?)null), (calls[0].Method, calls[0].TaskId));
        Assert.Equal(("reportSuccess", a.TaskId, ScriptedRunner.Output(a)), (calls[1].Method, calls[1].TaskId, calls[1].Output));
        // B came back with A's report: no getTask between the two reports.
        Assert.Equal(("reportSuccess", b.TaskId, ScriptedRunner.Output(b)), (calls[2].Method, calls[2].TaskId, calls[2].Output));
        Assert.Equal("test/0", calls[1].AgentId);
        Assert.Equal(2, agent.Completed);
        Assert.Equal(0, agent.Failed);
    }

    [Fact]
    public async Task A_lost_lease_cancels_the_running_task_and_starts_theBrokers_next_task()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Prove, 0);
        var b = ScriptedBrokerConnection.NewTask(TaskType.Prove, 1);
        Broker.Tasks.Enqueue(a);
        Broker.HeartbeatAnswer = lease => lease.TaskId == a.TaskId
            ? new HeartbeatReply(LeaseStatus.Lost, b)
            : new HeartbeatReply(LeaseStatus.Held, null);
        var runner = new ScriptedRunner((t, _, ct) => t.TaskId == a.TaskId ? ScriptedRunner.UntilCancelled(ct) : Task.FromResult(ScriptedRunner.Output(t)));

        await RunUntilAsync(runner, Fast, calls => calls.Any(c => c.Method == "reportSuccess"));

        Assert.Equal([a.TaskId], runner.Cancelled);
        Assert.Equal([a.TaskId, b.TaskId], runner.Started);
        var reports = Broker.Calls.Where(c => c.Method.StartsWith("report", StringComparison.Ordinal)).ToList();
        // The abandoned task is not reported at all (its lease belongs to someone else); B is.
        Assert.Equal(b.TaskId, Assert.Single(reports).TaskId);
        Assert.Contains(Log, line => line.Contains("lost the lease", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Heartbeats_carry_the_runners_latest_progress()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Prove, 0);
        Broker.Tasks.Enqueue(a);
        // Each progress value is held until a heartbeat carried it (however late the heartbeat comes), so the
        // test does not depend on how many heartbeats fit into some time.
        bool HeartbeatWith(IReadOnlyList<BrokerCall> calls, double p) => calls.Any(c => c.Method == "heartbeat" && c.Progress == p);
        var runner = new ScriptedRunner(async (t, progress, ct) =>
        {
            progress.Report(0.25);
            await Broker.WaitForAsync(calls => HeartbeatWith(calls, 0.25));
            progress.Report(1.5); // clamped to 1
            await Broker.WaitForAsync(calls => HeartbeatWith(calls, 1.0));
            return ScriptedRunner.Output(t);
        });

        await RunUntilAsync(runner, Fast, calls => calls.Any(c => c.Method == "reportSuccess"));

        var seen = Broker.Calls.Where(c => c.Method == "heartbeat").Select(c => c.Progress).ToList();
        Assert.Contains(0.25, seen);
        Assert.Contains(1.0, seen);
        Assert.All(seen.OfType<double>(), p => Assert.InRange(p, 0, 1));
    }

    [Fact]
    public async Task A_task_failure_that_retrying_cannot_fix_is_reported_with_retry_false()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Execute, 0);
        Broker.Tasks.Enqueue(a);
        var runner = new ScriptedRunner((_, _, _) => throw new TaskFailedException("the guest exceeded its cycle limit", retry: false));

        var agent = await RunUntilAsync(runner, Fast, calls => calls.Any(c => c.Method == "reportError"));

        var report = Assert.Single(Broker.Calls, c => c.Method == "reportError");
        Assert.Equal(a.TaskId, report.TaskId);
        Assert.False(report.Retry);
        Assert.True(report.WantNext);
        Assert.Equal("the guest exceeded its cycle limit", report.Error);
        Assert.Equal(1, agent.Failed);
        Assert.Equal(0, agent.Completed);
    }

    [Fact]
    public async Task Other_exceptions_are_reported_as_retryable_with_their_type()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Prove, 2);
        Broker.Tasks.Enqueue(a);
        var runner = new ScriptedRunner((_, _, _) => throw new InvalidOperationException("disk full"));

        await RunUntilAsync(runner, Fast, calls => calls.Any(c => c.Method == "reportError"));

        var report = Assert.Single(Broker.Calls, c => c.Method == "reportError");
        Assert.True(report.Retry);
        Assert.Contains("InvalidOperationException", report.Error);
        Assert.Contains("disk full", report.Error);
    }

    [Fact]
    public async Task Connection_errors_are_waited_out_with_backoff_and_the_agent_recovers()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Execute, 0);
        Broker.GetTaskFailures.Enqueue(new HttpRequestException("Connection refused (127.0.0.1:8547)"));
        Broker.GetTaskFailures.Enqueue(new TimeoutException("no answer within 30 s"));
        Broker.Tasks.Enqueue(a);

        var agent = await RunUntilAsync(ScriptedRunner.Succeeding(), Fast, calls => calls.Any(c => c.Method == "reportSuccess"));

        var gets = Broker.Calls.Where(c => c.Method == "getTask").ToList();
        Assert.True(gets.Count >= 3);
        // It waited before asking again (200 ms, then longer), rather than spinning.
        Assert.True(gets[1].At - gets[0].At >= TimeSpan.FromMilliseconds(150), $"retried after {(gets[1].At - gets[0].At).TotalMilliseconds} ms");
        Assert.True(gets[2].At - gets[1].At >= TimeSpan.FromMilliseconds(250), $"retried after {(gets[2].At - gets[1].At).TotalMilliseconds} ms");
        Assert.Equal(2, Log.Count(l => l.Contains("cannot reach the node", StringComparison.Ordinal)));
        Assert.Equal(1, agent.Completed);
    }

    [Fact]
    public async Task Shutdown_hands_the_running_task_back_and_asks_for_no_next_task()
    {
        var a = ScriptedBrokerConnection.NewTask(TaskType.Prove, 0);
        var b = ScriptedBrokerConnection.NewTask(TaskType.Prove, 1);
        Broker.Tasks.Enqueue(a);
        Broker.Tasks.Enqueue(b);
        var started = new TaskCompletionSource();
        var runner = new ScriptedRunner((_, _, ct) => { started.TrySetResult(); return ScriptedRunner.UntilCancelled(ct); });
        var agent = new ProvingAgent(Broker, () => runner, Fast, Log.Enqueue);
        using var cts = new CancellationTokenSource();

        var run = agent.RunAsync(cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(60)); // a hang guard only
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(60)); // a hang guard only

        var report = Assert.Single(Broker.Calls, c => c.Method == "reportError");
        Assert.Equal(a.TaskId, report.TaskId);
        Assert.True(report.Retry);
        Assert.False(report.WantNext);
        Assert.Equal([a.TaskId], runner.Cancelled);
        Assert.Single(Broker.Tasks); // B was never taken
        Assert.DoesNotContain(Broker.Calls, c => c.Method == "reportSuccess");
    }

    [Fact]
    public async Task Each_worker_has_its_own_agent_id_and_runner()
    {
        for (int i = 0; i < 6; i++) Broker.Tasks.Enqueue(ScriptedBrokerConnection.NewTask(TaskType.Prove, i));
        int runners = 0;
        // The first three tasks wait until three are running at once, which only three workers can do; so every
        // worker takes part however the threads are scheduled.
        int started = 0;
        var allBusy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<string> Run(ClaimedTask t, CancellationToken ct)
        {
            if (Interlocked.Increment(ref started) == 3) allBusy.TrySetResult();
            await allBusy.Task.WaitAsync(ct);
            return ScriptedRunner.Output(t);
        }
        var options = Fast with { Concurrency = 3 };
        var agent = new ProvingAgent(Broker, () => { Interlocked.Increment(ref runners); return new ScriptedRunner((t, _, ct) => Run(t, ct)); }, options);
        using var cts = new CancellationTokenSource();
        var run = agent.RunAsync(cts.Token);
        await Broker.WaitForAsync(calls => calls.Count(c => c.Method == "reportSuccess") == 6);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(60)); // a hang guard only

        Assert.Equal(3, runners);
        Assert.Equal(["test/0", "test/1", "test/2"], Broker.Calls.Select(c => c.AgentId).Distinct().Order());
        Assert.Equal(6, agent.Completed);
    }
}
