using Microsoft.Extensions.Logging;

namespace Verity.Broker.Services;

/// <summary>
/// Runs the broker's services (docs/BROKER.md §6) as named loops. A loop is one step called again and again: after a
/// step returns it waits for its interval (or a wake-up); a step that throws is called again after a capped
/// exponential backoff, logged with the service's name. A <b>critical</b> service whose step fails
/// <c>maxCriticalRetries</c> times in a row gives up: <see cref="Faulted"/> faults with an error naming it and its last
/// error, and every loop stops. Cancellation (<see cref="StopAsync"/>) stops every loop cleanly.
/// </summary>
public sealed class ServiceSupervisor : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Func<int> _maxCriticalRetries;
    private readonly TimeSpan _initialBackoff;
    private readonly TimeSpan _maxBackoff;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly TaskCompletionSource _faulted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="maxCriticalRetries">read at each failure, so a reloaded configuration applies.</param>
    public ServiceSupervisor(ILogger logger, Func<int> maxCriticalRetries, TimeSpan? initialBackoff = null, TimeSpan? maxBackoff = null)
    {
        _logger = logger;
        _maxCriticalRetries = maxCriticalRetries;
        _initialBackoff = initialBackoff ?? TimeSpan.FromMilliseconds(200);
        _maxBackoff = maxBackoff ?? TimeSpan.FromSeconds(30);
        if (_initialBackoff <= TimeSpan.Zero || _maxBackoff < _initialBackoff)
            throw new ArgumentOutOfRangeException(nameof(maxBackoff), "need 0 < initial backoff ≤ max backoff");
    }

    /// <summary>Faults (with <see cref="ServiceFailedException"/>) when a critical service gave up; never completes otherwise.</summary>
    public Task Faulted => _faulted.Task;

    /// <summary>Cancelled when the supervisor stops (or a critical service gave up).</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>Consecutive failures per service (0 after a step that worked): for tests and status.</summary>
    public IReadOnlyDictionary<string, int> Failures => _failures;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _failures = new();

    /// <summary>Starts a loop.</summary>
    /// <param name="step">one round of work; may run as long as it likes (a feed subscription) and ends when cancelled.</param>
    /// <param name="wait">waits between two steps (an interval, or until woken); cancelled on stop.</param>
    public void Start(string name, bool critical, Func<CancellationToken, Task> step, Func<CancellationToken, Task> wait)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_stop.IsCancellationRequested) throw new InvalidOperationException("the supervisor has stopped");
        _failures[name] = 0;
        lock (_loops) _loops.Add(Task.Run(() => RunAsync(name, critical, step, wait)));
    }

    private async Task RunAsync(string name, bool critical, Func<CancellationToken, Task> step, Func<CancellationToken, Task> wait)
    {
        var ct = _stop.Token;
        int failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await step(ct).ConfigureAwait(false);
                if (failures > 0) _logger.LogInformation("broker service {Service} works again after {Failures} failure(s)", name, failures);
                failures = 0;
                _failures[name] = 0;
                await wait(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                _failures[name] = failures;
                int max = Math.Max(1, _maxCriticalRetries());
                if (critical && failures >= max)
                {
                    _logger.LogCritical(e, "broker service {Service} failed {Failures} times in a row; stopping the broker", name, failures);
                    _faulted.TrySetException(new ServiceFailedException(name, failures, e));
                    _stop.Cancel();
                    return;
                }
                var delay = Backoff(failures);
                _logger.LogError(e, "broker service {Service} failed ({Failures} in a row{Limit}): {Error}; restarting in {DelayMs} ms",
                    name, failures, critical ? $" of {max}" : "", e.Message, (long)delay.TotalMilliseconds);
                try { await Task.Delay(delay, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>initial · 2^(n−1), at most the cap.</summary>
    internal TimeSpan Backoff(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(_initialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30)), _maxBackoff.TotalMilliseconds));

    /// <summary>Stops every loop and waits for them to return.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) _stop.Cancel();
        Task[] loops;
        lock (_loops) loops = [.. _loops];
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}

/// <summary>A critical broker service failed <see cref="Failures"/> times in a row and the broker stopped.</summary>
public sealed class ServiceFailedException(string service, int failures, Exception last)
    : Exception($"broker service '{service}' failed {failures} times in a row; last error: {last.Message}", last)
{
    public string Service { get; } = service;
    public int Failures { get; } = failures;
}
