using System.Numerics;
using Verity.Broker.Orders;
using Verity.Broker.Store;
using Verity.Chain.Events;

namespace Verity.Broker.Tests.Store;

/// <summary>
/// The broker store's contract (docs/BROKER.md §3), run on SQLite and on PostgreSQL. Each test gets a database of its
/// own (<see cref="NewDatabaseAsync"/>) and may open it several times (reopen, concurrent migrations).
/// </summary>
public abstract class BrokerStoreSuite
{
    /// <summary>A new, empty database: its location (a file path or a connection string).</summary>
    protected abstract Task<string> NewDatabaseAsync();

    /// <summary>A store on <paramref name="location"/>, not yet migrated.</summary>
    protected abstract IBrokerStore Open(string location, TimeProvider? clock = null);

    private readonly ManualClock _clock = new(TestOrders.T0.AddMinutes(5));

    private async Task<(IBrokerStore Store, string Location)> FreshAsync()
    {
        var location = await NewDatabaseAsync();
        var store = Open(location, _clock);
        await store.MigrateAsync();
        return (store, location);
    }

    [Fact]
    public async Task EveryFieldRoundTrips()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        var full = TestOrders.New(1, FulfillmentType.FulfillAfterLockExpire, OrderState.Submitting) with
        {
            Source = "chain",
            UpdatedAt = TestOrders.T0.AddSeconds(3),
            Reason = ReasonCodes.LockedByOther,
            ReasonDetail = "locked by 0xabc at block 12",
            ImageId = "0x" + new string('a', 64),
            Cycles = 123_456_789_012,
            JournalHex = "0x01020304",
            PreflightJobId = "job-pre-1",
            MinimumPrice = (BigInteger.One << 100) + 1,
            TargetTime = 1_750_000_321,
            Priority = true,
            LockTransaction = "0x" + new string('b', 64),
            LockPrice = (BigInteger.One << 70) + 3,
            LockCollateral = BigInteger.Parse("123456789012345678901234567890"),
            LockBlock = 4_000_000_000_000,
            ProvingJobId = "job-7",
            ProvingAttempts = 2,
            ProvingStartedAt = TestOrders.T0.AddSeconds(10),
            ProvedAt = TestOrders.T0.AddSeconds(20),
            BatchId = 99,
            FulfillTransaction = "0x" + new string('c', 64),
            FulfilledAt = TestOrders.T0.AddSeconds(30),
            GasSpentWei = (BigInteger.One << 65) + 5,
            EarnedWei = BigInteger.Parse("98765432109876543210987654321"),
            BountyEarned = (BigInteger.One << 64) + 9,
            Slashed = true,
        };
        Assert.True(await store.InsertOrderAsync(full));
        TestOrders.AssertSame(full, (await store.GetOrderAsync(full.Id))!);

        // Every optional field null, the stamp left to the store.
        var bare = TestOrders.New(2);
        Assert.True(await store.InsertOrderAsync(bare));
        TestOrders.AssertSame(bare with { UpdatedAt = _clock.Now }, (await store.GetOrderAsync(bare.Id))!);

        Assert.Null(await store.GetOrderAsync("0xnope"));
    }

    [Fact]
    public async Task EveryStateAndTypeRoundTrips()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        uint n = 0;
        foreach (var state in Enum.GetValues<OrderState>())
            foreach (var type in Enum.GetValues<FulfillmentType>())
            {
                var o = TestOrders.New(++n, type, state) with { UpdatedAt = TestOrders.T0 };
                Assert.True(await store.InsertOrderAsync(o));
                var back = (await store.GetOrderAsync(o.Id))!;
                Assert.Equal(state, back.State);
                Assert.Equal(type, back.Type);
                Assert.Equal(o.Expiry, back.Expiry);
            }
    }

    [Fact]
    public async Task InsertIsIdempotent()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        var o = TestOrders.New(1) with { UpdatedAt = TestOrders.T0 };
        Assert.True(await store.InsertOrderAsync(o));
        Assert.False(await store.InsertOrderAsync(o with { State = OrderState.Pricing, Source = "chain" }));
        TestOrders.AssertSame(o, (await store.GetOrderAsync(o.Id))!);
        Assert.Equal(1, (await store.CountsAsync()).Values.Sum());
    }

    [Fact]
    public async Task UpdateIsACompareAndSetOnTheState()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        var o = TestOrders.New(1, state: OrderState.Pricing) with { UpdatedAt = TestOrders.T0 };
        await store.InsertOrderAsync(o);

        var priced = o with { State = OrderState.WaitingToLock, MinimumPrice = 12345, TargetTime = 1_750_000_100 };
        Assert.False(await store.UpdateOrderAsync(priced, OrderState.New));
        TestOrders.AssertSame(o, (await store.GetOrderAsync(o.Id))!);

        _clock.Now = TestOrders.T0.AddHours(1);
        Assert.True(await store.UpdateOrderAsync(priced, OrderState.Pricing));
        TestOrders.AssertSame(priced with { UpdatedAt = _clock.Now }, (await store.GetOrderAsync(o.Id))!);

        // The stored state moved on: the same expectation now fails.
        Assert.False(await store.UpdateOrderAsync(priced with { State = OrderState.Skipped }, OrderState.Pricing));
        Assert.Equal(OrderState.WaitingToLock, (await store.GetOrderAsync(o.Id))!.State);

        // An order that is not there is not created.
        var ghost = TestOrders.New(2, state: OrderState.Pricing);
        Assert.False(await store.UpdateOrderAsync(ghost, OrderState.Pricing));
        Assert.Null(await store.GetOrderAsync(ghost.Id));
    }

    [Fact]
    public async Task OnlyOneOfManyConcurrentUpdatesWins()
    {
        var (store, location) = await FreshAsync();
        await using var _s = store;
        await using var other = Open(location, _clock); // a second store on the same database, as a second process would
        var o = TestOrders.New(1, state: OrderState.WaitingToLock);
        await store.InsertOrderAsync(o);

        const int N = 16;
        var start = new TaskCompletionSource();
        var tries = Enumerable.Range(1, N).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var writer = i % 2 == 0 ? store : other;
            return (i, won: await writer.UpdateOrderAsync(o with { State = OrderState.Locking, LockTransaction = $"tx-{i}" }, OrderState.WaitingToLock));
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(tries);

        var winners = results.Where(r => r.won).ToList();
        Assert.Single(winners);
        var stored = (await store.GetOrderAsync(o.Id))!;
        Assert.Equal(OrderState.Locking, stored.State);
        Assert.Equal($"tx-{winners[0].i}", stored.LockTransaction);
    }

    [Fact]
    public async Task ListsByStateNewestObservedFirst()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        var a = TestOrders.New(1, state: OrderState.New, observedAt: TestOrders.T0);
        var b = TestOrders.New(2, state: OrderState.Proving, observedAt: TestOrders.T0.AddSeconds(1));
        var c = TestOrders.New(3, state: OrderState.New, observedAt: TestOrders.T0.AddSeconds(2));
        var d = TestOrders.New(4, state: OrderState.Skipped, observedAt: TestOrders.T0.AddSeconds(3));
        foreach (var o in new[] { a, b, c, d }) await store.InsertOrderAsync(o);

        Assert.Equal([c.Id, a.Id], (await store.ListOrdersAsync([OrderState.New])).Select(o => o.Id));
        Assert.Equal([c.Id, b.Id, a.Id], (await store.ListOrdersAsync([OrderState.New, OrderState.Proving])).Select(o => o.Id));
        Assert.Equal([d.Id, c.Id, b.Id, a.Id], (await store.ListOrdersAsync([])).Select(o => o.Id));
        Assert.Equal([d.Id, c.Id], (await store.ListOrdersAsync([], limit: 2)).Select(o => o.Id));
        Assert.Empty(await store.ListOrdersAsync([OrderState.Fulfilled]));
        TestOrders.AssertSame(b with { UpdatedAt = _clock.Now }, (await store.ListOrdersAsync([OrderState.Proving])).Single());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ListOrdersAsync([], limit: 0));
    }

    [Fact]
    public async Task FindsEveryOrderOfARequest()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        var primary = TestOrders.New(7, FulfillmentType.LockAndFulfill, observedAt: TestOrders.T0);
        var secondary = TestOrders.New(7, FulfillmentType.FulfillAfterLockExpire, observedAt: TestOrders.T0.AddSeconds(1));
        var unrelated = TestOrders.New(8);
        foreach (var o in new[] { primary, secondary, unrelated }) await store.InsertOrderAsync(o);

        Assert.Equal([primary.Id, secondary.Id], (await store.OrdersOfRequestAsync(TestOrders.RequestId(7))).Select(o => o.Id));
        Assert.Empty(await store.OrdersOfRequestAsync(TestOrders.RequestId(9)));
    }

    [Fact]
    public async Task CountsEveryState()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        var empty = await store.CountsAsync();
        Assert.Equal(Enum.GetValues<OrderState>().Length, empty.Count);
        Assert.All(empty.Values, v => Assert.Equal(0, v));

        uint n = 0;
        foreach (var (state, count) in new[] { (OrderState.New, 3), (OrderState.Proving, 1), (OrderState.Lost, 2) })
            for (int i = 0; i < count; i++) await store.InsertOrderAsync(TestOrders.New(++n, state: state));
        var counts = await store.CountsAsync();
        Assert.Equal(3, counts[OrderState.New]);
        Assert.Equal(1, counts[OrderState.Proving]);
        Assert.Equal(2, counts[OrderState.Lost]);
        Assert.Equal(0, counts[OrderState.Fulfilled]);
        Assert.Equal(6, counts.Values.Sum());
    }

    [Fact]
    public async Task SumsEarningsExactly()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        Assert.Equal(new Earnings(0, 0, 0), await store.EarningsAsync());
        var big = BigInteger.One << 80;
        await store.InsertOrderAsync(TestOrders.New(1, state: OrderState.Fulfilled) with { EarnedWei = big + 1, GasSpentWei = 21_000 });
        await store.InsertOrderAsync(TestOrders.New(2, state: OrderState.Fulfilled) with { EarnedWei = big + 2, GasSpentWei = big, BountyEarned = 5 });
        await store.InsertOrderAsync(TestOrders.New(3, state: OrderState.Lost) with { GasSpentWei = 7 });
        await store.InsertOrderAsync(TestOrders.New(4));
        Assert.Equal(new Earnings(2 * big + 3, big + 21_007, 5), await store.EarningsAsync());
    }

    [Fact]
    public async Task KeepsEventsInOrder()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        var o = TestOrders.New(1);
        var other = TestOrders.New(2);
        await store.InsertOrderAsync(o);
        await store.InsertOrderAsync(other);
        // Same timestamp twice: the order of appending decides, not the time.
        var events = new[]
        {
            new OrderEvent(TestOrders.T0, "decision", "priced at 12 wei"),
            new OrderEvent(TestOrders.T0, "lock", "lock sent 0xabc"),
            new OrderEvent(TestOrders.T0.AddSeconds(-5), "chain", "locked at block 7"),
        };
        foreach (var e in events) await store.AddEventAsync(o.Id, e);
        await store.AddEventAsync(other.Id, new OrderEvent(TestOrders.T0, "skip", "S-001"));

        Assert.Equal(events, await store.EventsAsync(o.Id));
        Assert.Single(await store.EventsAsync(other.Id));
        Assert.Empty(await store.EventsAsync("0xnone"));
        var missing = await Assert.ThrowsAsync<KeyNotFoundException>(() => store.AddEventAsync("0xnone", events[0]));
        Assert.Contains("0xnone", missing.Message);
    }

    [Fact]
    public async Task PrunesOnlyOldSkippedAndLostOrders()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        var oldSkipped = TestOrders.New(1, state: OrderState.Skipped) with { UpdatedAt = TestOrders.T0 };
        var oldLost = TestOrders.New(2, state: OrderState.Lost) with { UpdatedAt = TestOrders.T0 };
        var oldFailed = TestOrders.New(3, state: OrderState.Failed) with { UpdatedAt = TestOrders.T0 };
        var oldFulfilled = TestOrders.New(4, state: OrderState.Fulfilled) with { UpdatedAt = TestOrders.T0 };
        var recentSkipped = TestOrders.New(5, state: OrderState.Skipped) with { UpdatedAt = TestOrders.T0.AddHours(2) };
        foreach (var o in new[] { oldSkipped, oldLost, oldFailed, oldFulfilled, recentSkipped })
        {
            await store.InsertOrderAsync(o);
            await store.AddEventAsync(o.Id, new OrderEvent(TestOrders.T0, "decision", o.State.Name()));
        }

        Assert.Equal(2, await store.PruneAsync(TestOrders.T0.AddHours(1)));
        Assert.Null(await store.GetOrderAsync(oldSkipped.Id));
        Assert.Null(await store.GetOrderAsync(oldLost.Id));
        Assert.Empty(await store.EventsAsync(oldSkipped.Id));
        foreach (var kept in new[] { oldFailed, oldFulfilled, recentSkipped })
        {
            Assert.NotNull(await store.GetOrderAsync(kept.Id));
            Assert.Single(await store.EventsAsync(kept.Id));
        }
        Assert.Equal(0, await store.PruneAsync(TestOrders.T0.AddHours(1)));
    }

    [Fact]
    public async Task CreatesBatchesAtomically()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        var a = TestOrders.New(1, state: OrderState.Proved);
        var b = TestOrders.New(2, state: OrderState.Proved);
        var c = TestOrders.New(3, state: OrderState.Proved);
        foreach (var o in new[] { a, b, c }) await store.InsertOrderAsync(o);

        var batch = await store.CreateBatchAsync([b.Id, a.Id], TestOrders.T0);
        Assert.Equal(BatchState.Submitting, batch.State);
        Assert.Equal([b.Id, a.Id], batch.OrderIds);
        Assert.Equal(TestOrders.T0, batch.CreatedAt);
        foreach (var id in new[] { a.Id, b.Id })
        {
            var o = (await store.GetOrderAsync(id))!;
            Assert.Equal(OrderState.Submitting, o.State);
            Assert.Equal(batch.Id, o.BatchId);
        }
        Assert.Equal(OrderState.Proved, (await store.GetOrderAsync(c.Id))!.State);
        Assert.Equivalent(batch, await store.GetBatchAsync(batch.Id));

        // b is no longer proved: nothing changes, the error names it.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => store.CreateBatchAsync([c.Id, b.Id], TestOrders.T0));
        Assert.Contains(b.Id, refused.Message);
        Assert.Equal(OrderState.Proved, (await store.GetOrderAsync(c.Id))!.State);
        Assert.Null((await store.GetOrderAsync(c.Id))!.BatchId);
        Assert.Single(await store.ListBatchesAsync([]));

        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => store.CreateBatchAsync([c.Id, "0xmissing"], TestOrders.T0));
        Assert.Contains("0xmissing", missing.Message);
        Assert.Equal(OrderState.Proved, (await store.GetOrderAsync(c.Id))!.State);
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateBatchAsync([], TestOrders.T0));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateBatchAsync([c.Id, c.Id], TestOrders.T0));
        Assert.Single(await store.ListBatchesAsync([]));

        var second = await store.CreateBatchAsync([c.Id], TestOrders.T0.AddSeconds(1));
        Assert.NotEqual(batch.Id, second.Id);
    }

    [Fact]
    public async Task OnlyOneConcurrentBatchTakesAnOrder()
    {
        var (store, location) = await FreshAsync();
        await using var _s = store;
        await using var other = Open(location, _clock);
        var orders = Enumerable.Range(1, 4).Select(i => TestOrders.New((uint)i, state: OrderState.Proved)).ToList();
        foreach (var o in orders) await store.InsertOrderAsync(o);
        var shared = orders[0].Id;

        var start = new TaskCompletionSource();
        var tries = orders.Skip(1).Select((o, i) => Task.Run(async () =>
        {
            await start.Task;
            try
            {
                return await (i % 2 == 0 ? store : other).CreateBatchAsync([shared, o.Id], TestOrders.T0);
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        })).ToList();
        start.SetResult();
        var made = (await Task.WhenAll(tries)).OfType<Batch>().ToList();

        var winner = Assert.Single(made);
        Assert.Equal(winner.Id, (await store.GetOrderAsync(shared))!.BatchId);
        Assert.Single(await store.ListBatchesAsync([]));
        // The losers' own orders were left proved.
        Assert.Equal(2, (await store.CountsAsync())[OrderState.Proved]);
    }

    [Fact]
    public async Task UpdatesAndListsBatches()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        var orders = Enumerable.Range(1, 3).Select(i => TestOrders.New((uint)i, state: OrderState.Proved)).ToList();
        foreach (var o in orders) await store.InsertOrderAsync(o);
        var first = await store.CreateBatchAsync([orders[0].Id, orders[1].Id], TestOrders.T0);
        var second = await store.CreateBatchAsync([orders[2].Id], TestOrders.T0);

        var sent = first with { State = BatchState.Submitted, Attempts = 2, Transaction = "0xfeed", Error = "replaced once", OrderIds = [orders[1].Id] };
        await store.UpdateBatchAsync(sent);
        Assert.Equivalent(sent, await store.GetBatchAsync(first.Id));
        Assert.Equal([first.Id], (await store.ListBatchesAsync([BatchState.Submitted])).Select(b => b.Id));
        Assert.Equal([second.Id], (await store.ListBatchesAsync([BatchState.Submitting, BatchState.Open])).Select(b => b.Id));
        Assert.Equal([first.Id, second.Id], (await store.ListBatchesAsync([])).Select(b => b.Id));
        Assert.Equivalent(second, (await store.ListBatchesAsync([BatchState.Submitting])).Single());
        Assert.Null(await store.GetBatchAsync(12345));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.UpdateBatchAsync(sent with { Id = 12345 }));
    }

    [Fact]
    public async Task KeepsNamedCursorsAcrossReopen()
    {
        var (store, location) = await FreshAsync();
        var market = store.Cursor("market");
        Assert.Null(await market.LoadAsync());
        var b1 = new BlockRef(10, "0x" + new string('1', 64));
        var b2 = new BlockRef(11, "0x" + new string('2', 64));
        var position = new CursorPosition(b1, [b1]).Advance(b2, 8);
        await market.SaveAsync(new CursorPosition(b1, [b1]));
        await market.SaveAsync(position);
        await store.Cursor("other").SaveAsync(new CursorPosition(b1, [b1]));
        await store.DisposeAsync();

        await using var reopened = Open(location, _clock);
        await reopened.MigrateAsync();
        var loaded = await reopened.Cursor("market").LoadAsync();
        Assert.Equal(position.Block, loaded!.Block);
        Assert.Equal(position.Recent, loaded.Recent);
        Assert.Equal(b1, (await reopened.Cursor("other").LoadAsync())!.Block);
        Assert.Null(await reopened.Cursor("none").LoadAsync());
    }

    [Fact]
    public async Task MigratesTwiceAndConcurrently()
    {
        var location = await NewDatabaseAsync();
        var stores = Enumerable.Range(0, 4).Select(_ => Open(location, _clock)).ToList();
        try
        {
            var start = new TaskCompletionSource();
            var runs = stores.Select(s => Task.Run(async () => { await start.Task; await s.MigrateAsync(); })).ToList();
            start.SetResult();
            await Task.WhenAll(runs);
            await stores[0].MigrateAsync();
            var o = TestOrders.New(1);
            Assert.True(await stores[1].InsertOrderAsync(o));
            Assert.NotNull(await stores[2].GetOrderAsync(o.Id));
        }
        finally
        {
            foreach (var s in stores) await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task ReopenKeepsEverything()
    {
        var (store, location) = await FreshAsync();
        var a = TestOrders.New(1, state: OrderState.Proved) with { EarnedWei = BigInteger.One << 70 };
        var b = TestOrders.New(2, FulfillmentType.FulfillAfterLockExpire, OrderState.Proving) with { ProvingJobId = "job-9" };
        await store.InsertOrderAsync(a);
        await store.InsertOrderAsync(b);
        await store.AddEventAsync(b.Id, new OrderEvent(TestOrders.T0, "prove", "job-9 started"));
        var batch = await store.CreateBatchAsync([a.Id], TestOrders.T0);
        var storedA = (await store.GetOrderAsync(a.Id))!;
        var storedB = (await store.GetOrderAsync(b.Id))!;
        await store.DisposeAsync();
        await store.DisposeAsync(); // twice is harmless

        await using var reopened = Open(location, _clock);
        await reopened.MigrateAsync();
        TestOrders.AssertSame(storedA, (await reopened.GetOrderAsync(a.Id))!);
        TestOrders.AssertSame(storedB, (await reopened.GetOrderAsync(b.Id))!);
        Assert.Single(await reopened.EventsAsync(b.Id));
        Assert.Equivalent(batch, await reopened.GetBatchAsync(batch.Id));
        Assert.Equal(new Earnings(BigInteger.One << 70, 0, 0), await reopened.EarningsAsync());
    }

    [Fact]
    public async Task RefusesAnOrderItCannotStore()
    {
        var (store, _) = await FreshAsync();
        await using var _s = store;
        var shortSignature = TestOrders.New(1) with { Signature = new byte[64] };
        var e = await Assert.ThrowsAsync<ArgumentException>(() => store.InsertOrderAsync(shortSignature));
        Assert.Contains(shortSignature.Id, e.Message);
        Assert.Null(await store.GetOrderAsync(shortSignature.Id));
    }
}
