using Verity.Cluster.Agents;
using Verity.Cluster.Broker;

namespace Verity.Node.Hosting;

/// <summary>
/// Supervises the node's embedded agent workers: each runs <see cref="ProvingAgent.RunWorkerAsync"/> and, should it
/// ever end before the node stops (a bug, a runner that cannot be built), is restarted after a capped exponential
/// backoff and counted. A worker that ended is forgotten by the live-agents gauge at once.
/// </summary>
internal sealed class EmbeddedAgents
{
    /// <summary>A worker that ran this long before it ended starts again after the shortest delay.</summary>
    private static readonly TimeSpan HealthyRun = TimeSpan.FromMinutes(1);

    private readonly ProvingAgent _agent;
    private readonly AgentTracker _tracker;
    private readonly ILogger _log;
    private readonly TimeSpan _maxRestartDelay;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private int _live;
    private long _restarts;

    public EmbeddedAgents(ProvingAgent agent, int workers, AgentTracker tracker, ILogger log, TimeSpan maxRestartDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _agent = agent;
        _tracker = tracker;
        _log = log;
        _maxRestartDelay = maxRestartDelay;
        _live = workers; // counted as running from the start, so /health does not see a gap before the first one runs
        _workers = [.. Enumerable.Range(0, workers).Select(i => Task.Run(() => SuperviseAsync(i, _stop.Token), CancellationToken.None))];
    }

    /// <summary>Workers running now.</summary>
    public int Live => Volatile.Read(ref _live);

    /// <summary>Times a worker was restarted after it ended unexpectedly.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    private async Task SuperviseAsync(int index, CancellationToken ct)
    {
        string id = _agent.WorkerId(index);
        var backoff = new Backoff(_maxRestartDelay);
        while (true)
        {
            long started = Environment.TickCount64;
            Exception? error = null;
            try
            {
                await _agent.RunWorkerAsync(index, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            catch (Exception e) { error = e; }
            finally
            {
                Interlocked.Decrement(ref _live);
                _tracker.Forget(id);
            }
            if (ct.IsCancellationRequested) return;

            if (Environment.TickCount64 - started >= (long)HealthyRun.TotalMilliseconds) backoff.Reset();
            var delay = backoff.Next();
            Interlocked.Increment(ref _restarts);
            _log.LogError(error, "embedded agent worker {Worker} ended unexpectedly{Reason}; restarting it in {Delay:0.#} s",
                id, error == null ? "" : $" ({error.Message})", delay.TotalSeconds);
            try { await Task.Delay(delay, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            Interlocked.Increment(ref _live);
        }
    }

    /// <summary>Stops the workers and waits for them (they hand their tasks back meanwhile).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_workers).ConfigureAwait(false);
        _stop.Dispose();
    }
}
