using Verity.Cluster.Jobs;
using Verity.Cluster.Runners;

namespace Verity.Cluster.Agents;

/// <summary>
/// A stateless agent (DESIGN §5): <see cref="AgentOptions.Concurrency"/> workers, each asking the broker for a task of
/// an allowed type, running it with its own <see cref="ITaskRunner"/> while heartbeating, and reporting the result —
/// which hands back the next task, so a busy worker never sleeps between tasks. A lost lease (another agent's earlier
/// lease won, or the job ended) cancels the work in hand. The node being unreachable is waited out with backoff.
/// </summary>
public sealed class ProvingAgent(IBrokerConnection connection, Func<ITaskRunner> runnerFactory, AgentOptions options, Action<string>? log = null)
{
    private long _completed;
    private long _failed;

    /// <summary>Tasks this agent reported done.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Tasks this agent reported failed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Runs the workers until <paramref name="ct"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken ct)
    {
        if (options.Concurrency < 1) throw new ArgumentException($"concurrency {options.Concurrency} must be at least 1");
        var workers = Enumerable.Range(0, options.Concurrency)
            .Select(i => Task.Run(() => WorkerAsync($"{options.Name}/{i}", runnerFactory(), ct), CancellationToken.None));
        return Task.WhenAll(workers);
    }

    private async Task WorkerAsync(string agentId, ITaskRunner runner, CancellationToken ct)
    {
        ClaimedTask? next = null;
        var reconnectDelay = TimeSpan.FromMilliseconds(200);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var task = next ?? await connection.GetTaskAsync(agentId, options.Types, ct).ConfigureAwait(false);
                next = null;
                reconnectDelay = TimeSpan.FromMilliseconds(200);
                if (task == null)
                {
                    await connection.WaitForWorkAsync(options.PollInterval, ct).ConfigureAwait(false);
                    continue;
                }
                next = await RunTaskAsync(agentId, runner, task, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e) when (IsConnectionError(e))
            {
                log?.Invoke($"{agentId}: cannot reach the node ({e.Message}); retrying in {reconnectDelay.TotalSeconds:0.#} s");
                try { await Task.Delay(reconnectDelay, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
                reconnectDelay = TimeSpan.FromTicks(Math.Min(reconnectDelay.Ticks * 2, options.MaxReconnectDelay.Ticks));
            }
        }
    }

    /// <summary>Runs one task with heartbeats and reports it; returns the next task the broker handed back.</summary>
    private async Task<ClaimedTask?> RunTaskAsync(string agentId, ITaskRunner runner, ClaimedTask task, CancellationToken ct)
    {
        log?.Invoke($"{agentId}: {task.TaskId} (attempt {task.Attempt})");
        using var work = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var progress = new LatestProgress();
        var run = Task.Run(() => runner.RunAsync(task, connection.BlobsFor(task), progress, work.Token), CancellationToken.None);

        // Heartbeat until the work ends; a lost lease cancels it and yields the broker's next task for this worker.
        while (!run.IsCompleted)
        {
            var tick = Task.Delay(options.HeartbeatInterval, ct);
            await Task.WhenAny(run, tick).ConfigureAwait(false);
            if (run.IsCompleted) break;
            if (ct.IsCancellationRequested) break;
            HeartbeatReply reply;
            try { reply = await connection.HeartbeatAsync(agentId, task.Lease, progress.Value, options.Types, ct).ConfigureAwait(false); }
            catch (Exception e) when (IsConnectionError(e))
            {
                // Keep working through a node outage: the lease is renewed by the next heartbeat that gets through,
                // or taken back under the earlier-lease-wins rule if it expired meanwhile.
                log?.Invoke($"{agentId}: heartbeat for {task.TaskId} failed ({e.Message}); still working");
                continue;
            }
            if (reply.Status == LeaseStatus.Lost)
            {
                log?.Invoke($"{agentId}: lost the lease on {task.TaskId}; abandoning it");
                await work.CancelAsync().ConfigureAwait(false);
                await ObserveAsync(run).ConfigureAwait(false);
                return reply.Next;
            }
        }

        if (ct.IsCancellationRequested && !run.IsCompleted)
        {
            // Shutting down: stop the work and hand the task back at once rather than letting its lease time out.
            await work.CancelAsync().ConfigureAwait(false);
            await ObserveAsync(run).ConfigureAwait(false);
            await TryReportStopAsync(agentId, task).ConfigureAwait(false);
            return null;
        }

        string output;
        try
        {
            output = await run.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await TryReportStopAsync(agentId, task).ConfigureAwait(false);
            return null;
        }
        catch (TaskFailedException e)
        {
            Interlocked.Increment(ref _failed);
            log?.Invoke($"{agentId}: {task.TaskId} failed: {e.Message}");
            return await connection.ReportErrorAsync(agentId, task.Lease, e.Message, e.Retry, options.Types, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Unexpected errors (out of memory, I/O) may pass on another attempt or another machine.
            Interlocked.Increment(ref _failed);
            log?.Invoke($"{agentId}: {task.TaskId} failed: {e}");
            return await connection.ReportErrorAsync(agentId, task.Lease, $"{e.GetType().Name}: {e.Message}", retry: true, options.Types, ct).ConfigureAwait(false);
        }
        Interlocked.Increment(ref _completed);
        return await connection.ReportSuccessAsync(agentId, task.Lease, output, options.Types, ct).ConfigureAwait(false);
    }

    private async Task TryReportStopAsync(string agentId, ClaimedTask task)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await connection.ReportErrorAsync(agentId, task.Lease, "the agent stopped", retry: true, options.Types, timeout.Token, wantNext: false).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            log?.Invoke($"{agentId}: could not hand back {task.TaskId} ({e.Message}); its lease will expire");
        }
    }

    private static async Task ObserveAsync(Task run)
    {
        try { await run.ConfigureAwait(false); }
        catch (Exception) { /* the work was abandoned; its outcome no longer matters */ }
    }

    private static bool IsConnectionError(Exception e) =>
        e is HttpRequestException or IOException or TimeoutException
        || (e is TaskCanceledException && e.InnerException is TimeoutException);

    /// <summary>The latest progress value a runner reported, read by the heartbeat.</summary>
    private sealed class LatestProgress : IProgress<double>
    {
        private double _value = double.NaN;
        public double? Value { get { double v = Volatile.Read(ref _value); return double.IsNaN(v) ? null : v; } }
        public void Report(double value) => Volatile.Write(ref _value, Math.Clamp(value, 0, 1));
    }
}
