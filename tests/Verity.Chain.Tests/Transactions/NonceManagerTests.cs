using System.Numerics;
using Verity.Chain.Transactions;

namespace Verity.Chain.Tests.Transactions;

public class NonceManagerTests
{
    private const string Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    private const string Genesis = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /// <summary>The node's pending count, as the sender reads it; counts how often it was asked.</summary>
    private sealed class PendingCount(BigInteger value)
    {
        public BigInteger Value { get; set; } = value;
        public int Reads { get; private set; }

        public async Task<BigInteger> ReadAsync(CancellationToken ct)
        {
            await Task.Yield();
            Reads++;
            return Value;
        }
    }

    [Fact]
    public async Task ConcurrentTakersGetConsecutiveNoncesFromThePendingCount()
    {
        var manager = new NonceManagers().For(31337, Genesis, Address);
        var pending = new PendingCount(7);

        var nonces = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => manager.TakeAsync(pending.ReadAsync))));

        Assert.Equal(Enumerable.Range(7, 200).Select(i => new BigInteger(i)), nonces.Order());
        Assert.Equal(1, pending.Reads);
        Assert.Equal(200, (await manager.InFlightAsync()).Length);
    }

    [Fact]
    public async Task OneManagerPerChainAndAddressWhateverTheAddressCase()
    {
        var registry = new NonceManagers();
        Assert.Same(registry.For(1, Genesis, Address), registry.For(1, Genesis.ToUpperInvariant(), Address.ToLowerInvariant()));
        Assert.NotSame(registry.For(1, Genesis, Address), registry.For(2, Genesis, Address));
        Assert.NotSame(registry.For(1, Genesis, Address), new NonceManagers().For(1, Genesis, Address));
        // Two devnets share chain id 31337 and anvil's keys: their genesis blocks tell them apart.
        Assert.NotSame(registry.For(31337, Genesis, Address), registry.For(31337, "0x" + new string('b', 64), Address));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task ARefusedNewestNonceIsTakenAgain()
    {
        var manager = new NonceManagers().For(1, Genesis, Address);
        var pending = new PendingCount(0);
        var a = await manager.TakeAsync(pending.ReadAsync);
        var b = await manager.TakeAsync(pending.ReadAsync);
        await manager.CompleteAsync(a);
        pending.Value = 1;                                               // a was mined

        Assert.Equal(NonceRelease.Reclaimed, await manager.ReleaseAsync(b));
        Assert.Equal(b, await manager.TakeAsync(pending.ReadAsync));
    }

    [Fact]
    public async Task WithNothingInFlightTheNodesCountWinsOverTheLocalCounter()
    {
        // Another process used the key, or the counter came from another chain with the same id (two devnets).
        var manager = new NonceManagers().For(31337, Genesis, Address);
        var pending = new PendingCount(7);
        var a = await manager.TakeAsync(pending.ReadAsync);
        await manager.CompleteAsync(a);
        pending.Value = 2;
        Assert.Equal(2, await manager.TakeAsync(pending.ReadAsync));
        Assert.Equal(3, await manager.TakeAsync(pending.ReadAsync));   // 2 in flight: the local counter rules
        Assert.Equal(2, pending.Reads);
    }

    [Fact]
    public async Task ARefusedNonceWithLaterOnesOutMustBeFilledAndStaysInFlight()
    {
        var manager = new NonceManagers().For(1, Genesis, Address);
        var pending = new PendingCount(0);
        var a = await manager.TakeAsync(pending.ReadAsync);
        var b = await manager.TakeAsync(pending.ReadAsync);

        Assert.Equal(NonceRelease.MustFill, await manager.ReleaseAsync(a));
        Assert.Equal([a, b], await manager.InFlightAsync());
        Assert.Equal(b + 1, await manager.TakeAsync(pending.ReadAsync));   // a is never handed out twice
    }

    [Fact]
    public async Task AfterAnAbandonedNonceTheCountIsReadAgainOnceNothingIsInFlight()
    {
        var manager = new NonceManagers().For(1, Genesis, Address);
        var pending = new PendingCount(0);
        var a = await manager.TakeAsync(pending.ReadAsync);   // 0: dropped by the node, the sender gave up
        var b = await manager.TakeAsync(pending.ReadAsync);   // 1: still in flight
        await manager.AbandonAsync(a);

        Assert.Equal(2, await manager.TakeAsync(pending.ReadAsync));     // b in flight: no resync yet
        await manager.CompleteAsync(b);
        await manager.CompleteAsync(2);
        pending.Value = 0;                                               // the node never mined anything
        Assert.Equal(0, await manager.TakeAsync(pending.ReadAsync));     // resynced: the dropped nonce is used again
    }

    [Fact]
    public async Task ANonceUsedElsewhereMovesTheCounterPastThePendingCount()
    {
        var manager = new NonceManagers().For(1, Genesis, Address);
        var pending = new PendingCount(3);
        var a = await manager.TakeAsync(pending.ReadAsync);
        pending.Value = 6;
        await manager.AdvanceAsync(a, pending.ReadAsync);
        Assert.Equal(6, await manager.TakeAsync(pending.ReadAsync));
        Assert.Equal([new BigInteger(6)], await manager.InFlightAsync());
    }
}
