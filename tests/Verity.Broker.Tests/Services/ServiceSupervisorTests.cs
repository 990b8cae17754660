using Microsoft.Extensions.Logging.Abstractions;
using Verity.Broker.Services;

namespace Verity.Broker.Tests.Services;

public class ServiceSupervisorTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_loop_that_throws_is_restarted_until_it_works_and_its_failure_count_resets()
    {
        await using var supervisor = new ServiceSupervisor(NullLogger.Instance, () => 3, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(4));
        int calls = 0;
        var worked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Not critical: five failures in a row (over the critical limit of 3) only restart it.
        supervisor.Start("flaky", critical: false, _ =>
        {
            if (++calls <= 5) throw new InvalidOperationException($"failure {calls}");
            worked.TrySetResult();
            return Task.CompletedTask;
        }, ct => Task.Delay(Timeout.Infinite, ct));
        await worked.Task.WaitAsync(HangGuard);
        Assert.Equal(6, calls);
        await WaitUntil(() => supervisor.Failures["flaky"] == 0);
        Assert.False(supervisor.Faulted.IsCompleted);
    }

    [Fact]
    public async Task A_critical_loop_that_always_throws_faults_the_supervisor_naming_it_and_stops_the_others()
    {
        await using var supervisor = new ServiceSupervisor(NullLogger.Instance, () => 4, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2));
        int calls = 0;
        var otherStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        supervisor.Start("other", critical: false, async ct =>
        {
            try { await Task.Delay(Timeout.Infinite, ct); }
            finally { otherStopped.TrySetResult(); }
        }, _ => Task.CompletedTask);
        supervisor.Start("locker", critical: true, _ => { calls++; throw new IOException("rpc down"); }, _ => Task.CompletedTask);
        var e = await Assert.ThrowsAsync<ServiceFailedException>(() => supervisor.Faulted.WaitAsync(HangGuard));
        Assert.Equal("locker", e.Service);
        Assert.Equal(4, e.Failures);
        Assert.Equal(4, calls);
        Assert.Contains("'locker'", e.Message);
        Assert.Contains("rpc down", e.Message);
        await otherStopped.Task.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task A_critical_loop_that_recovers_before_the_limit_keeps_running()
    {
        await using var supervisor = new ServiceSupervisor(NullLogger.Instance, () => 3, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2));
        int calls = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Fails twice, works, fails twice, works: never 3 in a row.
        supervisor.Start("prover", critical: true, _ =>
        {
            calls++;
            if (calls % 3 != 0) throw new InvalidOperationException("transient");
            if (calls >= 9) done.TrySetResult();
            return Task.CompletedTask;
        }, _ => Task.CompletedTask);
        await done.Task.WaitAsync(HangGuard);
        Assert.False(supervisor.Faulted.IsCompleted);
    }

    [Fact]
    public async Task Stopping_cancels_every_loop_and_waits_for_it()
    {
        var supervisor = new ServiceSupervisor(NullLogger.Instance, () => 3);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool cleaned = false;
        supervisor.Start("feed", critical: true, async ct =>
        {
            started.TrySetResult();
            try { await Task.Delay(Timeout.Infinite, ct); }
            finally { cleaned = true; }
        }, _ => Task.CompletedTask);
        await started.Task.WaitAsync(HangGuard);
        await supervisor.DisposeAsync();
        Assert.True(cleaned);
        Assert.False(supervisor.Faulted.IsCompleted);
    }

    [Fact]
    public void Backoff_doubles_and_is_capped()
    {
        var supervisor = new ServiceSupervisor(NullLogger.Instance, () => 3, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        Assert.Equal(TimeSpan.FromMilliseconds(100), supervisor.Backoff(1));
        Assert.Equal(TimeSpan.FromMilliseconds(200), supervisor.Backoff(2));
        Assert.Equal(TimeSpan.FromMilliseconds(400), supervisor.Backoff(3));
        Assert.Equal(TimeSpan.FromMilliseconds(500), supervisor.Backoff(4));
        Assert.Equal(TimeSpan.FromMilliseconds(500), supervisor.Backoff(40));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (!condition()) await Task.Delay(5, guard.Token);
    }
}
