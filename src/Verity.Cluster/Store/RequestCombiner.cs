using System.Threading.Channels;

namespace Verity.Cluster.Store;

/// <summary>
/// Runs concurrent requests of one kind together: callers queue a request and await its result, and one loop takes
/// everything queued so far (up to a batch size) and runs it as one batch — one database round trip and one commit for
/// many callers, the way group commit works inside a database. Alone, a request runs at once in a batch of one; under
/// load, requests gather while the previous batch is in flight, so batches grow exactly when round trips are the
/// bottleneck.
/// </summary>
/// <remarks>A request whose token is cancelled before its batch starts is dropped; once its batch has started, the batch
/// completes and the caller is told it was cancelled (the store's own rules then handle the orphaned result, e.g. an
/// unclaimed lease expires).</remarks>
internal sealed class RequestCombiner<TRequest, TResult> : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<TRequest>, Task<IReadOnlyList<TResult>>> _runBatch;
    private readonly int _maxBatch;
    private readonly Task _loop;

    /// <param name="runBatch">Runs requests together and returns one result per request, in order. An exception fails
    /// every request of the batch.</param>
    /// <param name="maxBatch">The most requests run together.</param>
    public RequestCombiner(Func<IReadOnlyList<TRequest>, Task<IReadOnlyList<TResult>>> runBatch, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _runBatch = runBatch;
        _maxBatch = maxBatch;
        _loop = Task.Run(LoopAsync);
    }

    public Task<TResult> RunAsync(TRequest request, CancellationToken ct)
    {
        var pending = new Pending(request, ct);
        if (!_queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(RequestCombiner<TRequest, TResult>));
        return ct.CanBeCanceled ? pending.Result.Task.WaitAsync(ct) : pending.Result.Task;
    }

    private async Task LoopAsync()
    {
        var batch = new List<Pending>(_maxBatch);
        var requests = new List<TRequest>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            requests.Clear();
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var p))
            {
                if (p.Token.IsCancellationRequested) { p.Result.TrySetCanceled(p.Token); continue; }
                batch.Add(p);
                requests.Add(p.Request);
            }
            if (batch.Count == 0) continue;
            try
            {
                var results = await _runBatch(requests).ConfigureAwait(false);
                if (results.Count != batch.Count)
                    throw new InvalidOperationException($"a batch of {batch.Count} requests returned {results.Count} results");
                for (int i = 0; i < batch.Count; i++) batch[i].Result.TrySetResult(results[i]);
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Result.TrySetException(e);
            }
        }
    }

    /// <summary>Stops taking requests and waits for the ones queued to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private sealed class Pending(TRequest request, CancellationToken token)
    {
        public TRequest Request { get; } = request;
        public CancellationToken Token { get; } = token;
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
