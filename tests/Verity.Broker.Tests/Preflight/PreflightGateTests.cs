using Verity.Broker.Preflight;

namespace Verity.Broker.Tests.Preflight;

/// <summary>
/// max_concurrent_preflights read at each entry. Admission is decided under the gate's lock and counted in
/// <c>Running</c> at once, so the tests read that count; awaiting an admitted entry has a hang guard only.
/// </summary>
public sealed class PreflightGateTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);

    private static Task<IDisposable> Admitted(Task<IDisposable> entry) => entry.WaitAsync(HangGuard);

    [Fact]
    public async Task The_limit_holds_and_a_reloaded_limit_applies_to_the_next_entry()
    {
        var gate = new PreflightGate();
        var a = await Admitted(gate.EnterAsync(1, CancellationToken.None));
        var b = gate.EnterAsync(1, CancellationToken.None);
        var c = gate.EnterAsync(1, CancellationToken.None);
        Assert.Equal(1, gate.Running);

        // Raised to 3: those already waiting go first, in order; the newcomer waits for a third slot.
        var d = gate.EnterAsync(3, CancellationToken.None);
        Assert.Equal(3, gate.Running);
        var bSlot = await Admitted(b);
        var cSlot = await Admitted(c);
        Assert.False(d.IsCompleted);
        a.Dispose();
        Assert.Equal(3, gate.Running); // d took a's slot
        var dSlot = await Admitted(d);

        // Lowered to 1: running ones finish; nobody enters until fewer than 1 run.
        var e = gate.EnterAsync(1, CancellationToken.None);
        bSlot.Dispose();
        cSlot.Dispose();
        Assert.Equal(1, gate.Running);
        Assert.False(e.IsCompleted);
        dSlot.Dispose();
        Assert.Equal(1, gate.Running); // e's
        (await Admitted(e)).Dispose();
        Assert.Equal(0, gate.Running);
    }

    [Fact]
    public async Task A_cancelled_waiter_takes_no_slot()
    {
        var gate = new PreflightGate();
        var a = await Admitted(gate.EnterAsync(1, CancellationToken.None));
        using var cts = new CancellationTokenSource();
        var b = gate.EnterAsync(1, cts.Token);
        var c = gate.EnterAsync(1, CancellationToken.None);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.WaitAsync(HangGuard));
        Assert.Equal(1, gate.Running);
        a.Dispose();
        Assert.Equal(1, gate.Running); // c's, not b's
        (await Admitted(c)).Dispose();
        Assert.Equal(0, gate.Running);
    }

    [Fact]
    public async Task A_limit_below_one_counts_as_one()
    {
        var gate = new PreflightGate();
        var a = await Admitted(gate.EnterAsync(0, CancellationToken.None));
        var b = gate.EnterAsync(0, CancellationToken.None);
        Assert.Equal(1, gate.Running);
        Assert.False(b.IsCompleted);
        a.Dispose();
        (await Admitted(b)).Dispose();
        Assert.Equal(0, gate.Running);
    }
}
