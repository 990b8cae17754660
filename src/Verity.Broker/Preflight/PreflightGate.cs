namespace Verity.Broker.Preflight;

/// <summary>
/// A first-come semaphore whose limit can change while it is held: <c>max_concurrent_preflights</c> is read from the
/// configuration in force at each acquisition, so a hot reload raises or lowers it for the next preflight (a lower
/// limit lets running preflights finish; none starts until the count is under it). A limit below 1 counts as 1: a
/// gate that admits nobody would stall every evaluation.
/// </summary>
internal sealed class PreflightGate
{
    private readonly object _lock = new();
    private readonly LinkedList<TaskCompletionSource> _waiting = new();
    private int _running;
    private int _limit = 1;

    public int Running { get { lock (_lock) return _running; } }

    public async Task<IDisposable> EnterAsync(int limit, CancellationToken ct)
    {
        TaskCompletionSource tcs;
        LinkedListNode<TaskCompletionSource> node;
        lock (_lock)
        {
            _limit = Math.Max(1, limit);
            tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast(tcs);
            Admit(); // a raised limit admits those already waiting first
            if (tcs.Task.IsCompleted) return new Slot(this);
        }
        using (ct.Register(() =>
        {
            lock (_lock)
            {
                if (node.List is null) return; // already admitted
                _waiting.Remove(node);
            }
            tcs.TrySetCanceled(ct);
        }))
        {
            // Admission (under the lock) and removal by cancellation (under the lock) exclude each other: a waiter
            // is either counted in _running and completed, or removed and cancelled.
            await tcs.Task.ConfigureAwait(false);
        }
        return new Slot(this);
    }

    private void Leave()
    {
        lock (_lock)
        {
            _running--;
            Admit();
        }
    }

    /// <summary>Admits waiters in order while there is room (called under the lock).</summary>
    private void Admit()
    {
        while (_running < _limit && _waiting.First is { } first)
        {
            _waiting.RemoveFirst();
            _running++;
            first.Value.TrySetResult();
        }
    }

    private sealed class Slot(PreflightGate gate) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) gate.Leave();
        }
    }
}
