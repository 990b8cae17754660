namespace Verity.Broker.Services;

/// <summary>
/// Wakes a waiting loop early: a service waits for its poll interval or until another service signals that there is
/// work for it (an order priced, a lock taken), whichever comes first. Signals while nobody waits are kept (one).
/// </summary>
public sealed class WakeSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Set()
    {
        try { _signal.Release(); }
        catch (SemaphoreFullException) { } // already signalled
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct) =>
        await _signal.WaitAsync(timeout, ct).ConfigureAwait(false);
}
