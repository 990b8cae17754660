using Verity.Cluster.Broker;

namespace Verity.Cluster.Tests.Broker;

public class WorkSignalTests
{
    [Fact]
    public async Task Notify_releases_a_waiter_before_its_timeout()
    {
        var signal = new WorkSignal();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var wait = signal.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(wait.IsCompleted);
        signal.Notify();
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_wait_without_a_signal_ends_at_its_timeout_and_a_cancel_throws()
    {
        var signal = new WorkSignal();
        await signal.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var wait = signal.WaitAsync(TimeSpan.FromSeconds(30), cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public async Task A_signal_before_the_wait_does_not_leak_into_the_next_wait()
    {
        var signal = new WorkSignal();
        signal.Notify();
        var wait = signal.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        await Task.Delay(100);
        Assert.False(wait.IsCompleted);
        signal.Notify();
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
