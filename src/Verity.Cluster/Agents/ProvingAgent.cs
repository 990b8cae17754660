using Verity.Cluster.Agents.Http;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Runners;

namespace Verity.Cluster.Agents;

/// <summary>
/// A stateless agent (DESIGN §5): <see cref="AgentOptions.Concurrency"/> workers, each asking the broker for a task of
/// an allowed type, running it with its own <see cref="ITaskRunner"/> while heartbeating, and reporting the result —
/// which hands back the next task, so a busy worker never sleeps between tasks. A lost lease (the node gave the task to
/// another agent after this lease expired, or the job ended) cancels the work in hand.
/// <para>
/// A worker never dies of a failed call: whatever the broker connection throws (the node unreachable, a store error
/// such as PostgreSQL restarting or SQLite's lock timing out) is logged, rate-limited, and retried with capped
/// exponential backoff. A finished result is kept and its report retried, heartbeating meanwhile, until the node takes
/// it or says the lease is lost. A run that fails on a full disk is run again once space may be back, under the same
/// lease, rather than charged as an attempt. Only a refused agent token ends a worker.
/// </para>
/// </summary>
public sealed class ProvingAgent(IBrokerConnection connection, Func<ITaskRunner> runnerFactory, AgentOptions options,
    Action<string>? log = null, IAgentMonitor? monitor = null)
{
    private long _completed;
    private long _failed;

    /// <summary>Tasks whose success the node accepted from this agent.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Tasks this agent reported failed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The agent id worker <paramref name="index"/> uses ("&lt;name&gt;/&lt;index&gt;").</summary>
    public string WorkerId(int index) => $"{options.Name}/{index}";

    /// <summary>Runs the workers until <paramref name="ct"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken ct)
    {
        if (options.Concurrency < 1) throw new ArgumentException($"concurrency {options.Concurrency} must be at least 1");
        var workers = Enumerable.Range(0, options.Concurrency).Select(i => Task.Run(() => RunWorkerAsync(i, ct), CancellationToken.None));
        return Task.WhenAll(workers);
    }

    /// <summary>
    /// Runs worker <paramref name="index"/> with a new runner until <paramref name="ct"/> is cancelled (for a supervisor
    /// that restarts workers one by one). It ends early only when the node refuses the agent token.
    /// </summary>
    public Task RunWorkerAsync(int index, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return WorkerAsync(WorkerId(index), runnerFactory(), ct);
    }

    private async Task WorkerAsync(string agentId, ITaskRunner runner, CancellationToken ct)
    {
        var worker = new Worker(agentId, runner, new RateLimitedLog(log, options.FailureLogInterval), new Backoff(options.MaxReconnectDelay));
        ClaimedTask? next = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var task = next;
                next = null;
                if (task == null)
                {
                    task = await connection.GetTaskAsync(agentId, options.Types, ct).ConfigureAwait(false);
                    CallSucceeded(worker);
                }
                if (task == null)
                {
                    await connection.WaitForWorkAsync(options.PollInterval, ct).ConfigureAwait(false);
                    continue;
                }
                next = await RunTaskAsync(worker, task, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e) when (!IsTokenRefused(e))
            {
                var delay = worker.Backoff.Next();
                string what = IsConnectionError(e) ? "cannot reach the node" : "the node could not hand out a task";
                CallFailed(worker, "getTask", e, $"{agentId}: {what} ({e.Message}); retrying in {delay.TotalSeconds:0.#} s");
                if (!await DelayAsync(delay, ct).ConfigureAwait(false)) break;
            }
        }
    }

    /// <summary>Runs one task with heartbeats and reports it; returns the next task the broker handed back.</summary>
    private async Task<ClaimedTask?> RunTaskAsync(Worker worker, ClaimedTask task, CancellationToken ct)
    {
        string agentId = worker.AgentId;
        log?.Invoke($"{agentId}: {task.TaskId} (attempt {task.Attempt})");
        var diskBackoff = new Backoff(options.MaxReconnectDelay);
        while (true)
        {
            using var work = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var progress = new LatestProgress();
            var run = Task.Run(() => worker.Runner.RunAsync(task, connection.BlobsFor(task), progress, work.Token), CancellationToken.None);

            // Heartbeat until the work ends; a lost lease cancels it and yields the broker's next task for this worker.
            while (!run.IsCompleted)
            {
                var tick = Task.Delay(options.HeartbeatInterval, ct);
                await Task.WhenAny(run, tick).ConfigureAwait(false);
                if (run.IsCompleted || ct.IsCancellationRequested) break;
                // A failed heartbeat does not stop the work: the lease is renewed by the next heartbeat that gets
                // through, or taken back if it expired meanwhile and nobody has claimed the task since.
                if (await HeartbeatAsync(worker, task, progress.Value, ct).ConfigureAwait(false) is { Status: LeaseStatus.Lost } lost)
                {
                    log?.Invoke($"{agentId}: lost the lease on {task.TaskId}; abandoning it");
                    await work.CancelAsync().ConfigureAwait(false);
                    await ObserveAsync(run).ConfigureAwait(false);
                    return lost.Next;
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
                return await DeliverAsync(worker, task, "failure report",
                    c => connection.ReportErrorAsync(agentId, task.Lease, e.Message, e.Retry, options.Types, c,
                        redo: e.Redo.Count > 0 ? e.Redo : null), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (StorageFaults.IsDiskFull(e))
            {
                // The disk is this machine's problem, not the task's: keep the lease and run it again once space may
                // be back, rather than spend the task's attempts (and fail the job) in a few seconds.
                monitor?.RunFailed(agentId, e);
                var delay = diskBackoff.Next();
                worker.Failures.Failure("disk full", $"{agentId}: {task.TaskId} could not store its output: {StorageFaults.DiskFullMessage}; running it again in {delay.TotalSeconds:0.#} s");
                if (!await DelayAsync(delay, ct).ConfigureAwait(false))
                {
                    await TryReportStopAsync(agentId, task).ConfigureAwait(false);
                    return null;
                }
                if (await HeartbeatAsync(worker, task, null, ct).ConfigureAwait(false) is { Status: LeaseStatus.Lost } lost)
                {
                    log?.Invoke($"{agentId}: lost the lease on {task.TaskId} while the disk was full; abandoning it");
                    return lost.Next;
                }
                continue;
            }
            catch (Exception e)
            {
                // Unexpected errors (out of memory, I/O) may pass on another attempt or another machine.
                Interlocked.Increment(ref _failed);
                monitor?.RunFailed(agentId, e);
                log?.Invoke($"{agentId}: {task.TaskId} failed: {e}");
                return await DeliverAsync(worker, task, "failure report",
                    c => connection.ReportErrorAsync(agentId, task.Lease, $"{e.GetType().Name}: {e.Message}", retry: true, options.Types, c), ct).ConfigureAwait(false);
            }
            var next = await DeliverAsync(worker, task, "result",
                c => connection.ReportSuccessAsync(agentId, task.Lease, output, options.Types, c), ct, onAccepted: () => Interlocked.Increment(ref _completed)).ConfigureAwait(false);
            return next;
        }
    }

    /// <summary>
    /// Sends a report until the node takes it: a failure keeps the report and retries it with backoff, heartbeating
    /// between tries so the lease stays renewed; a lost lease or a refusal of the report itself drops it. Returns the
    /// next task the node handed back (or null).
    /// </summary>
    private async Task<ClaimedTask?> DeliverAsync(Worker worker, ClaimedTask task, string what,
        Func<CancellationToken, Task<ClaimedTask?>> report, CancellationToken ct, Action? onAccepted = null)
    {
        string agentId = worker.AgentId;
        var backoff = new Backoff(options.MaxReconnectDelay);
        while (true)
        {
            try
            {
                var next = await report(ct).ConfigureAwait(false);
                CallSucceeded(worker);
                onAccepted?.Invoke();
                return next;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await TryReportStopAsync(agentId, task).ConfigureAwait(false);
                return null;
            }
            catch (Exception e) when (IsRefusal(e) && !IsTokenRefused(e))
            {
                // The node read the report and refused it: sending it again cannot help.
                log?.Invoke($"{agentId}: the node refused the {what} of {task.TaskId} ({e.Message}); dropping it");
                return null;
            }
            catch (Exception e) when (!IsTokenRefused(e))
            {
                var delay = backoff.Next();
                CallFailed(worker, "report", e, $"{agentId}: could not send the {what} of {task.TaskId} ({e.Message}); keeping it and retrying in {delay.TotalSeconds:0.#} s");
                if (!await DelayAsync(delay, ct).ConfigureAwait(false))
                {
                    await TryReportStopAsync(agentId, task).ConfigureAwait(false);
                    return null;
                }
                // The default backoff cap (5 s) is well under the heartbeat timeout, so one heartbeat per try keeps
                // the lease; when the node answers that it is lost, the report is moot.
                if (await HeartbeatAsync(worker, task, null, ct).ConfigureAwait(false) is { Status: LeaseStatus.Lost } lost)
                {
                    log?.Invoke($"{agentId}: lost the lease on {task.TaskId} before its {what} got through; dropping it");
                    return lost.Next;
                }
            }
        }
    }

    /// <summary>One heartbeat; null when it failed (logged), so the caller carries on.</summary>
    private async Task<HeartbeatReply?> HeartbeatAsync(Worker worker, ClaimedTask task, double? progress, CancellationToken ct)
    {
        try
        {
            var reply = await connection.HeartbeatAsync(worker.AgentId, task.Lease, progress, options.Types, ct).ConfigureAwait(false);
            CallSucceeded(worker);
            return reply;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e)
        {
            CallFailed(worker, "heartbeat", e, $"{worker.AgentId}: heartbeat for {task.TaskId} failed ({e.Message}); still working");
            return null;
        }
    }

    private void CallSucceeded(Worker worker)
    {
        worker.Backoff.Reset();
        worker.Failures.Recovered($"{worker.AgentId}: the node answers again");
        monitor?.CallSucceeded(worker.AgentId);
    }

    private void CallFailed(Worker worker, string call, Exception e, string line)
    {
        monitor?.CallFailed(worker.AgentId, e);
        worker.Failures.Failure($"{call}: {e.GetType().Name}: {e.Message}", line);
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

    /// <summary>Waits; false when cancelled.</summary>
    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, ct).ConfigureAwait(false); return true; }
        catch (OperationCanceledException) { return false; }
    }

    private static async Task ObserveAsync(Task run)
    {
        try { await run.ConfigureAwait(false); }
        catch (Exception) { /* the work was abandoned; its outcome no longer matters */ }
    }

    private static bool IsConnectionError(Exception e) =>
        e is HttpRequestException or IOException or TimeoutException
        || (e is TaskCanceledException && e.InnerException is TimeoutException);

    /// <summary>The node understood the call and refused it (a JSON-RPC error, a 4xx; in-process, invalid arguments).</summary>
    private static bool IsRefusal(Exception e) => e is BrokerRpcException or ArgumentException;

    /// <summary>A wrong or revoked agent token: no retry can help, so the worker ends and the agent process says why.</summary>
    private static bool IsTokenRefused(Exception e) => e is BrokerRpcException { HttpStatus: 401 or 403 };

    /// <summary>One worker's runner, failure log and backoff.</summary>
    private sealed record Worker(string AgentId, ITaskRunner Runner, RateLimitedLog Failures, Backoff Backoff);

    /// <summary>The latest progress value a runner reported, read by the heartbeat.</summary>
    private sealed class LatestProgress : IProgress<double>
    {
        private double _value = double.NaN;
        public double? Value { get { double v = Volatile.Read(ref _value); return double.IsNaN(v) ? null : v; } }
        public void Report(double value) => Volatile.Write(ref _value, Math.Clamp(value, 0, 1));
    }
}
