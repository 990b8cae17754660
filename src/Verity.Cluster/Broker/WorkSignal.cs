namespace Verity.Cluster.Broker;

/// <summary>
/// Wakes idle in-process agents when work may have appeared (a job was created, tasks were planned or requeued), so
/// they do not sleep out their poll interval — the push wake-up Bento's v2 stack added over its 1 s poll. Waiters
/// still time out and poll, so a missed signal costs at most one interval.
/// </summary>
public sealed class WorkSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Releases every current waiter.</summary>
    public void Notify() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits for the next <see cref="Notify"/> or the timeout, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        var signalled = Volatile.Read(ref _next).Task;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(timeout, cts.Token);
        await Task.WhenAny(signalled, delay).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
    }
}
