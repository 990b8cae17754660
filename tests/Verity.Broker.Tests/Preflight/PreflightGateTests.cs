using Verity.Broker.Preflight;

namespace Verity.Broker.Tests.Preflight;

/// <summary>max_concurrent_preflights read at each entry: admission is decided under a lock, so no timing is involved.</summary>
public sealed class PreflightGateTests
{
    [Fact]
    public async Task The_limit_holds_and_a_reloaded_limit_applies_to_the_next_entry()
    {
        var gate = new PreflightGate();
        var a = await gate.EnterAsync(1, CancellationToken.None);
        var b = gate.EnterAsync(1, CancellationToken.None);
        var c = gate.EnterAsync(1, CancellationToken.None);
        Assert.False(b.IsCompleted);
        Assert.False(c.IsCompleted);
        Assert.Equal(1, gate.Running);

        // Raised to 3: those already waiting go first, in order; the newcomer waits for the fourth slot.
        var d = gate.EnterAsync(3, CancellationToken.None);
        Assert.True(b.IsCompleted && c.IsCompleted);
        Assert.False(d.IsCompleted);
        Assert.Equal(3, gate.Running);
        a.Dispose();
        Assert.True(d.IsCompleted);
        Assert.Equal(3, gate.Running);

        // Lowered to 1: running ones finish; nobody enters until fewer than 1 run.
        var e = gate.EnterAsync(1, CancellationToken.None);
        (await b).Dispose();
        (await c).Dispose();
        Assert.False(e.IsCompleted);
        (await d).Dispose();
        Assert.True(e.IsCompleted);
        (await e).Dispose();
        Assert.Equal(0, gate.Running);
    }

    [Fact]
    public async Task A_cancelled_waiter_takes_no_slot()
    {
        var gate = new PreflightGate();
        var a = await gate.EnterAsync(1, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var b = gate.EnterAsync(1, cts.Token);
        var c = gate.EnterAsync(1, CancellationToken.None);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);
        a.Dispose();
        Assert.True(c.IsCompleted);
        Assert.Equal(1, gate.Running);
        (await c).Dispose();
        Assert.Equal(0, gate.Running);
    }

    [Fact]
    public async Task A_limit_below_one_counts_as_one()
    {
        var gate = new PreflightGate();
        var a = gate.EnterAsync(0, CancellationToken.None);
        Assert.True(a.IsCompleted);
        var b = gate.EnterAsync(0, CancellationToken.None);
        Assert.False(b.IsCompleted);
        (await a).Dispose();
        (await b).Dispose();
    }
}
