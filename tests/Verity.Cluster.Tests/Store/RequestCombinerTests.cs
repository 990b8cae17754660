using Verity.Cluster.Store;

namespace Verity.Cluster.Tests.Store;

public sealed class RequestCombinerTests
{
    [Fact]
    public async Task ARequestAlone_RunsAtOnceInABatchOfOne()
    {
        var batches = new List<int[]>();
        await using var combiner = new RequestCombiner<int, int>(b => { lock (batches) batches.Add([.. b]); return Task.FromResult<IReadOnlyList<int>>(b.Select(x => x * 10).ToList()); }, 8);
        Assert.Equal(30, await combiner.RunAsync(3, CancellationToken.None));
        Assert.Equal(70, await combiner.RunAsync(7, CancellationToken.None));
        Assert.Equal([[3], [7]], batches);
    }

    [Fact]
    public async Task RequestsArrivingDuringABatch_RunTogetherInTheNext_UpToTheBatchSize()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = new List<int[]>();
        await using var combiner = new RequestCombiner<int, int>(async b =>
        {
            lock (batches) batches.Add([.. b]);
            started.TrySetResult();
            await gate.Task;
            return b.Select(x => -x).ToList();
        }, maxBatch: 4);

        var first = combiner.RunAsync(0, CancellationToken.None);
        await started.Task; // the first batch is in flight, holding the loop
        var rest = Enumerable.Range(1, 6).Select(i => combiner.RunAsync(i, CancellationToken.None)).ToList();
        gate.SetResult();
        Assert.Equal(0, await first);
        int[] results = await Task.WhenAll(rest);
        Assert.Equal([-1, -2, -3, -4, -5, -6], results);
        Assert.Equal([[0], [1, 2, 3, 4], [5, 6]], batches);
    }

    [Fact]
    public async Task AFailingBatch_FailsEveryRequestInIt_AndTheNextBatchRuns()
    {
        int calls = 0;
        await using var combiner = new RequestCombiner<int, int>(b =>
            Interlocked.Increment(ref calls) == 1
                ? Task.FromException<IReadOnlyList<int>>(new InvalidOperationException("database down"))
                : Task.FromResult<IReadOnlyList<int>>(b.ToList()), 8);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => combiner.RunAsync(1, CancellationToken.None));
        Assert.Equal("database down", e.Message);
        Assert.Equal(2, await combiner.RunAsync(2, CancellationToken.None));
    }

    [Fact]
    public async Task AWrongNumberOfResults_FailsTheBatch()
    {
        await using var combiner = new RequestCombiner<int, int>(_ => Task.FromResult<IReadOnlyList<int>>([]), 8);
        await Assert.ThrowsAsync<InvalidOperationException>(() => combiner.RunAsync(1, CancellationToken.None));
    }

    [Fact]
    public async Task ACancelledRequest_IsDroppedBeforeItsBatch()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<int>();
        await using var combiner = new RequestCombiner<int, int>(async b =>
        {
            lock (seen) seen.AddRange(b);
            started.TrySetResult();
            await gate.Task;
            return b.ToList();
        }, 8);
        var first = combiner.RunAsync(1, CancellationToken.None);
        await started.Task;
        using var cts = new CancellationTokenSource();
        var cancelled = combiner.RunAsync(2, cts.Token);
        var kept = combiner.RunAsync(3, CancellationToken.None);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        gate.SetResult();
        Assert.Equal(3, await kept);
        Assert.Equal([1, 3], seen);
        Assert.Equal(1, await first);
    }

    [Fact]
    public async Task Dispose_FinishesQueuedRequests_ThenRefusesNewOnes()
    {
        var combiner = new RequestCombiner<int, int>(async b => { await Task.Delay(20); return b.ToList(); }, 2);
        var queued = Enumerable.Range(0, 5).Select(i => combiner.RunAsync(i, CancellationToken.None)).ToList();
        await combiner.DisposeAsync();
        int[] results = await Task.WhenAll(queued);
        Assert.Equal([0, 1, 2, 3, 4], results);
        Assert.Throws<ObjectDisposedException>(() => { _ = combiner.RunAsync(9, CancellationToken.None); });
    }
}
