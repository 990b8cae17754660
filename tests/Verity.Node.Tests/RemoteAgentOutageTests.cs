using System.Collections.Concurrent;
using Verity.Cluster.Agents;
using Verity.Cluster.Agents.Http;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Runners;
using Verity.Node.Tests.TestDoubles;

namespace Verity.Node.Tests;

/// <summary>
/// A remote agent (HTTP) whose node becomes unreachable while it uploads a proof and while it reports it (issue 11,
/// item 2): the finished work is kept and delivered once the node is back, not run again. The node sits behind a
/// loopback proxy the test takes down and brings back; each step waits for what the proxy or the agent saw.
/// </summary>
public sealed class RemoteAgentOutageTests
{
    [Fact]
    public async Task A_remote_agent_keeps_its_proof_through_outages_during_the_upload_and_the_report()
    {
        await using var node = await TestNode.StartAsync(); // no embedded agents: the remote one does everything
        await using var proxy = new LoopbackProxy(node.Node.BaseAddress);
        var runner = new GatedRunner();
        var log = new ConcurrentQueue<string>();
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var blobs = new HttpBlobStore(http, proxy.BaseAddress, TestNode.AgentToken, maxRetryDelay: TimeSpan.FromMilliseconds(200));
        using var connection = new HttpBrokerConnection(http, proxy.BaseAddress, TestNode.AgentToken, blobs);
        var agent = new ProvingAgent(connection, () => runner, new AgentOptions
        {
            Name = "remote",
            PollInterval = TimeSpan.FromMilliseconds(50),
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
            FailureLogInterval = TimeSpan.FromHours(1),
        }, log.Enqueue);
        using var stop = new CancellationTokenSource();
        var running = agent.RunAsync(stop.Token);

        string jobId = await node.CreateJobAsync();
        var gated = await runner.GatedTask.Task.WaitAsync(TimeSpan.FromSeconds(60));
        string proof = BlobKeys.Proof(jobId, gated.Index), taskId = gated.TaskId;

        // The node goes away just as the proof is uploaded: the upload is retried until it is back.
        proxy.Down = true;
        runner.Upload.SetResult();
        await NodeResilienceTests.UntilAsync(() => proxy.Refused.Count(l => l.StartsWith($"PUT {AgentRpc.BlobPath}/{proof} ", StringComparison.Ordinal)) >= 2,
            "two refused uploads of the proof");
        proxy.Down = false;
        await runner.Uploaded.Task.WaitAsync(TimeSpan.FromSeconds(60));

        // It goes away again as the result is reported: the result is kept and reported once it is back.
        proxy.Down = true;
        runner.Finish.SetResult();
        await NodeResilienceTests.UntilAsync(() => log.Count(l => l.Contains($"could not send the result of {taskId}", StringComparison.Ordinal)) >= 1
                && proxy.Refused.Count(l => l.StartsWith("POST ", StringComparison.Ordinal)) >= 2,
            "the result's report to be refused");
        proxy.Down = false;

        var status = await NodeResilienceTests.UntilJobAsync(node, jobId, s => s.State != JobState.Running);
        Assert.Equal(JobState.Succeeded, status.State);
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(runner.Runs, run => Assert.Equal(1, run.Value)); // nothing ran twice
        Assert.Equal(4, runner.Runs.Count); // execute, two proves, finalize
        var metrics = await NodeResilienceTests.MetricsAsync(node);
        Assert.Equal(0, metrics["verity_task_timeouts_total{type=\"prove\"}"]);
        Assert.Equal(0, metrics["verity_task_retries_total{type=\"prove\"}"]);
        Assert.Contains(log, l => l.Contains("the node answers again", StringComparison.Ordinal));
    }

    /// <summary>
    /// Does no proving, like <see cref="ScriptedTaskRunner"/> (one segment), but the first prove task waits for the test
    /// before it uploads its proof and again before it returns, and every run is counted.
    /// </summary>
    private sealed class GatedRunner : ITaskRunner
    {
        private int _gated;

        public TaskCompletionSource<ClaimedTask> GatedTask { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Upload { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Uploaded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Finish { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ConcurrentDictionary<string, int> Runs { get; } = new();

        public async Task<string> RunAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
        {
            Runs.AddOrUpdate(task.TaskId, 1, (_, n) => n + 1);
            switch (task.Type)
            {
                case TaskType.Execute:
                    var input = await blobs.GetAsync(BlobKeys.Input(task.Spec.InputId), ct) ?? throw new TaskFailedException("input missing", retry: false);
                    return ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = 1000, Segments = 1, JournalHex = "cafe", InputConsumed = input.Length });
                case TaskType.Prove:
                    bool gated = Interlocked.Exchange(ref _gated, 1) == 0;
                    if (gated)
                    {
                        GatedTask.SetResult(task);
                        await Upload.Task.WaitAsync(ct);
                    }
                    await blobs.PutAsync(BlobKeys.Proof(task.JobId, task.Index), new byte[] { 1, 2, 3 }, ct);
                    if (gated)
                    {
                        Uploaded.SetResult();
                        await Finish.Task.WaitAsync(ct);
                    }
                    return ClusterJson.Serialize(new ProveTaskOutput { ProofBytes = 3 });
                case TaskType.Finalize:
                    byte[] receipt = ScriptedTaskRunner.ReceiptFor(task.JobId);
                    await blobs.PutAsync(BlobKeys.Receipt(task.JobId), receipt, ct);
                    return ClusterJson.Serialize(new FinalizeTaskOutput { ReceiptBytes = receipt.Length });
                default:
                    throw new TaskFailedException($"unexpected task type {task.Type}", retry: false);
            }
        }
    }
}
