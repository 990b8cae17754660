using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;
using Verity.Cluster.Protocol;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Services;

/// <summary>
/// The broker's pipeline against a real chain (anvil, the market deployed) and a real node that proves: discovery,
/// locking, proving, verifying and fulfilling; restarts resolved from the chain and the database; listen-only,
/// draining and max_concurrent_proofs = 0. The chain's clock is moved with evm_increaseTime; every wait is on stored
/// state with a hang guard. Each test has its own broker store(s) and evaluator, which takes only that test's requests.
/// </summary>
[Collection(DevnetCollection.Name)]
public class BrokerPipelineTests(PipelineFixture f) : IClassFixture<PipelineFixture>
{
    [Fact]
    public async Task A_request_goes_from_discovery_to_fulfilled_and_paid()
    {
        var taker = new AcceptingEvaluator();
        await using var store = await f.StoreAsync("lifecycle.db");
        var config = new BrokerConfigSource(TestConfig());
        var before = await f.Market.BalanceOfAsync(f.Address("prover"));
        await using (var broker = await f.StartBrokerAsync("prover", store, config, taker))
        {
            var request = await f.SubmitAsync(taker);
            var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
            Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
            Assert.Equal(RequestStatus.Fulfilled, await f.Market.RequestStatusAsync(request.Id));
            Assert.True(order.LockPrice >= request.Offer.MinPrice);
            Assert.Equal(order.LockPrice, order.EarnedWei);
            Assert.True(order.GasSpentWei > 0);
            Assert.NotNull(order.ProvingJobId);
            Assert.Equal("6869", order.JournalHex); // "hi"
            Assert.Single(await f.Market.LockedLogsAsync(request.Id));
            var kinds = (await store.EventsAsync(order.Id)).Select(e => e.Kind).ToHashSet();
            Assert.Superset(new HashSet<string> { "lock", "prove", "submit" }, kinds);
            // The price is credited to the prover's balance in the market.
            Assert.Equal(before + order.EarnedWei, await f.Market.BalanceOfAsync(f.Address("prover")));
            Assert.Equal(1, broker.Metrics.FulfilledCount);
            var status = await broker.StatusAsync(CancellationToken.None);
            Assert.Equal(1, status.Counts[OrderState.Fulfilled]);
            Assert.Equal(order.EarnedWei, status.Earnings.EarnedWei);
            Assert.Equal(0, status.Committed.Orders);
        }
    }

    [Fact]
    public async Task Two_brokers_racing_lock_it_once_and_the_loser_spends_nothing()
    {
        var a = new AcceptingEvaluator();
        var b = new AcceptingEvaluator();
        await using var storeA = await f.StoreAsync("race-a.db");
        await using var storeB = await f.StoreAsync("race-b.db");
        var stakeB = await f.Market.StakeBalanceOfAsync(f.Address("prover2"));
        var stakeA = await f.Market.StakeBalanceOfAsync(f.Address("prover"));
        await using var brokerA = await f.StartBrokerAsync("prover", storeA, new BrokerConfigSource(TestConfig()), a);
        await using var brokerB = await f.StartBrokerAsync("prover2", storeB, new BrokerConfigSource(TestConfig()), b);
        var request = await f.SubmitAsync(a, b);
        var orderA = await WaitForOrderAsync(storeA, request.Id, o => o.State.IsEnded(), broker: brokerA);
        var orderB = await WaitForOrderAsync(storeB, request.Id, o => o.State.IsEnded(), broker: brokerB);
        var (winner, loser, loserRole) = orderA.State == OrderState.Fulfilled ? (orderA, orderB, "prover2") : (orderB, orderA, "prover");
        Assert.Equal(OrderState.Fulfilled, winner.State);
        Assert.Equal(OrderState.Lost, loser.State);
        Assert.Equal(ReasonCodes.LockedByOther, loser.Reason);
        Assert.Equal(0, loser.GasSpentWei);
        Assert.Single(await f.Market.LockedLogsAsync(request.Id));
        // The loser's stake is untouched; the winner's came back with the fill.
        Assert.Equal(loserRole == "prover2" ? stakeB : stakeA, await f.Market.StakeBalanceOfAsync(f.Address(loserRole)));
    }

    [Fact]
    public async Task A_stored_locking_order_is_resolved_from_the_chain_and_never_locked_twice()
    {
        var taker = new AcceptingEvaluator();
        var request = await f.SubmitAsync(); // nobody's evaluator takes it: only the stored order does
        taker.Want(request.Id, 100);
        // The previous run stored `locking` and sent the lock, then was killed before it recorded the outcome.
        await f.MarketAs("prover").LockRequestAsync(request, f.Sign(request));
        await using var store = await f.StoreAsync("restart-locking.db");
        await store.MigrateAsync();
        Assert.True(await store.InsertOrderAsync(f.OrderFor(request, OrderState.Locking)));
        var nonce = await f.NonceAsync("prover");
        await using var broker = await f.StartBrokerAsync("prover", store, new BrokerConfigSource(TestConfig()), taker);
        var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
        var locks = await f.Market.LockedLogsAsync(request.Id);
        Assert.Single(locks);
        Assert.Equal(locks[0].Event.Price, order.LockPrice);
        Assert.Equal((ulong)locks[0].Log.BlockNumber.Value, order.LockBlock);
        // Only the fulfilment was sent after the restart (no second lock).
        Assert.Equal(nonce + 1, await f.NonceAsync("prover"));
        Assert.Contains(await store.EventsAsync(order.Id), e => e.Detail.Contains("resolved from the chain: locked by us"));
    }

    [Fact]
    public async Task A_stored_locking_order_that_never_went_out_is_locked_again_once()
    {
        var taker = new AcceptingEvaluator();
        var request = await f.SubmitAsync();
        taker.Want(request.Id, 100);
        await using var store = await f.StoreAsync("restart-unsent.db");
        await store.MigrateAsync();
        Assert.True(await store.InsertOrderAsync(f.OrderFor(request, OrderState.Locking)));
        await using var broker = await f.StartBrokerAsync("prover", store, new BrokerConfigSource(TestConfig()), taker);
        var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
        Assert.Single(await f.Market.LockedLogsAsync(request.Id));
        Assert.Contains(await store.EventsAsync(order.Id), e => e.Detail.Contains("not locked; waiting to lock again"));
    }

    [Fact]
    public async Task A_stored_proving_order_is_polled_not_proved_again()
    {
        var taker = new AcceptingEvaluator();
        var request = await f.SubmitAsync();
        taker.Want(request.Id, 100);
        await f.MarketAs("prover").LockRequestAsync(request, f.Sign(request));
        var locked = await f.Market.RequestLockAsync(request.Id);
        // The previous run created this job and stored `proving` with its id.
        var config = new BrokerConfigSource(TestConfig());
        var cluster = f.Cluster(config);
        var image = await cluster.UploadImageAsync(await File.ReadAllBytesAsync(f.GuestPath), CancellationToken.None);
        var input = await cluster.UploadInputAsync(request.Input.Data, CancellationToken.None);
        var job = await cluster.CreateJobAsync(new CreateJobRequest { ImageId = image, InputId = input, SegmentPo2 = 8, Parameters = "insecure-test" },
            CancellationToken.None);
        await using var store = await f.StoreAsync("restart-proving.db");
        await store.MigrateAsync();
        Assert.True(await store.InsertOrderAsync(f.OrderFor(request, OrderState.Proving) with
        {
            ProvingJobId = job, ProvingAttempts = 1, ProvingStartedAt = DateTimeOffset.UtcNow, LockPrice = locked.Price, LockCollateral = locked.Collateral,
        }));
        await using var broker = await f.StartBrokerAsync("prover", store, config, taker);
        var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
        Assert.Equal(job, order.ProvingJobId);
        Assert.Equal(1, order.ProvingAttempts);
        Assert.DoesNotContain(await store.EventsAsync(order.Id), e => e.Detail.StartsWith("proving job", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Listen_only_stores_the_decision_and_sends_nothing()
    {
        var taker = new AcceptingEvaluator();
        await using var store = await f.StoreAsync("listen.db");
        var nonce = await f.NonceAsync("prover2");
        await using var broker = await f.StartBrokerAsync("prover2", store, new BrokerConfigSource(TestConfig()), taker, listenOnly: true);
        var request = await f.SubmitAsync(taker);
        var order = await WaitForOrderAsync(store, request.Id, o => o.State == OrderState.WaitingToLock, broker: broker);
        using var guard = new CancellationTokenSource(HangGuard);
        while (!(await store.EventsAsync(order.Id)).Any(e => e.Detail.StartsWith("would lock at", StringComparison.Ordinal)))
            await Task.Delay(50, guard.Token);
        Assert.Equal(nonce, await f.NonceAsync("prover2"));
        Assert.Equal(RequestStatus.Unknown, await f.Market.RequestStatusAsync(request.Id));
        Assert.Equal(OrderState.WaitingToLock, (await store.GetOrderAsync(order.Id))!.State);
        Assert.True(broker.Metrics.WouldLockCount >= 1);
    }

    [Fact]
    public async Task Max_concurrent_proofs_zero_stops_locking_until_the_configuration_allows_it()
    {
        var taker = new AcceptingEvaluator();
        await using var store = await f.StoreAsync("zero-slots.db");
        var config = new BrokerConfigSource(TestConfig(maxConcurrentProofs: 0));
        var nonce = await f.NonceAsync("prover2");
        await using var broker = await f.StartBrokerAsync("prover2", store, config, taker);
        var request = await f.SubmitAsync(taker);
        var order = await WaitForOrderAsync(store, request.Id, o => o.State == OrderState.WaitingToLock, broker: broker);
        using (var guard = new CancellationTokenSource(HangGuard))
            while (!(await store.EventsAsync(order.Id)).Any(e => e.Detail.StartsWith("no free proving slot", StringComparison.Ordinal)))
                await Task.Delay(50, guard.Token);
        Assert.Equal(nonce, await f.NonceAsync("prover2"));
        Assert.Equal(RequestStatus.Unknown, await f.Market.RequestStatusAsync(request.Id));
        // Hot reload: one slot, and the next decision locks.
        config.Set(TestConfig(maxConcurrentProofs: 1));
        var done = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(done.State == OrderState.Fulfilled, $"{done.State.Name()} {done.Reason} {done.ReasonDetail}");
    }

    [Fact]
    public async Task Drain_finishes_committed_work_and_takes_nothing_new()
    {
        var taker = new AcceptingEvaluator();
        await using var store = await f.StoreAsync("drain.db");
        await using var broker = await f.StartBrokerAsync("prover", store, new BrokerConfigSource(TestConfig()), taker);
        var first = await f.SubmitAsync(taker);
        await WaitForOrderAsync(store, first.Id, o => o.State.IsCommitted() || o.State.IsEnded(), broker: broker);
        using (var guard = new CancellationTokenSource(HangGuard))
            await broker.DrainAsync(guard.Token);
        Assert.True(broker.Draining);
        var firstOrder = (await store.OrdersOfRequestAsync(first.Id)).Single();
        Assert.Equal(OrderState.Fulfilled, firstOrder.State);
        var nonce = await f.NonceAsync("prover");
        var second = await f.SubmitAsync(taker);
        var waiting = await WaitForOrderAsync(store, second.Id, o => o.State == OrderState.WaitingToLock, broker: broker);
        using (var guard = new CancellationTokenSource(HangGuard))
            while (!(await store.EventsAsync(waiting.Id)).Any(e => e.Detail.StartsWith("draining", StringComparison.Ordinal)))
                await Task.Delay(50, guard.Token);
        Assert.Equal(nonce, await f.NonceAsync("prover"));
        Assert.True((await broker.StatusAsync(CancellationToken.None)).Draining);
    }

    [Fact]
    public async Task A_committed_order_past_its_expiry_is_failed_by_the_reaper()
    {
        var taker = new AcceptingEvaluator();
        var request = await f.SubmitAsync(lockTimeout: 300, timeout: 600);
        taker.Want(request.Id, 100);
        await f.MarketAs("prover").LockRequestAsync(request, f.Sign(request));
        await using var store = await f.StoreAsync("reaper.db");
        await store.MigrateAsync();
        // Pending proving with an image nobody can fetch: it never proves.
        var broken = f.OrderFor(request, OrderState.PendingProving);
        broken = broken with { Request = CopyWithImageUrl(request, "file:///nonexistent/guest.elf") };
        Assert.True(await store.InsertOrderAsync(broken));
        await f.AdvanceAsync(300 + 120);
        var config = new BrokerConfigSource(TestConfig() with { Prover = TestConfig().Prover with { ReaperIntervalSeconds = 1, ReaperGracePeriodSeconds = 60 } });
        await using var broker = await f.StartBrokerAsync("prover", store, config, taker);
        var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
        Assert.Equal(OrderState.Failed, order.State);
        Assert.Equal(ReasonCodes.DeadlinePassed, order.Reason);
    }

    private static ProofRequest CopyWithImageUrl(ProofRequest r, string url) => new()
    {
        Id = r.Id, Requirements = r.Requirements, ImageUrl = url, Input = r.Input, Offer = r.Offer,
    };
}
