using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Tests.Services;
using Verity.Chain.Contracts;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Scenarios;

/// <summary>
/// Broker A locks a request its cluster never proves (a node with no agents: healthy, its job stays queued). The
/// chain's clock is moved past the lock deadline; broker B, which takes only the secondary fulfilment, proves on the
/// class's proving node and fills after the lock deadline: the fill slashes A, B collects the bounty in stake, and A's
/// order ends failed (F-003) with slashed set. Pricing is not the point: both use the test evaluator.
/// </summary>
[Collection(ScenarioCollection.Name)]
public class SlashedLockTests(PipelineFixture f) : IClassFixture<PipelineFixture>
{
    [Fact]
    public async Task A_lock_that_is_never_proved_is_slashed_and_the_secondary_fill_collects_the_bounty()
    {
        var a = new AcceptingEvaluator();
        var b = new AcceptingEvaluator();
        await using var storeA = await f.StoreAsync("slow-a.db");
        await using var storeB = await f.StoreAsync("secondary-b.db");
        var configB = TestConfig();
        Assert.True(configB.Market.SecondaryFulfillment);
        var idle = await f.IdleNodeAsync();
        var stakeA = await f.Market.StakeBalanceOfAsync(f.Address("prover"));
        var stakeB = await f.Market.StakeBalanceOfAsync(f.Address("prover2"));
        await using var brokerA = await f.StartBrokerAsync("prover", storeA, new BrokerConfigSource(TestConfig()), a, node: idle);
        await using var brokerB = await f.StartBrokerAsync("prover2", storeB, new BrokerConfigSource(configB), b);

        var built = await f.BuildAsync(p => p with { LockTimeoutSeconds = 300, TimeoutSeconds = 1200 });
        var request = built.Request;
        a.Want(request.Id, built.Cycles);
        b.WantSecondary(request.Id, built.Cycles);
        await f.MarketAs("requestor").SubmitRequestAsync(request, f.Sign(request));

        // A locks and hands the job to its cluster, where it waits for an agent that never comes.
        var locked = await WaitForOrderAsync(storeA, request.Id, o => o.State == OrderState.Proving || o.State.IsEnded(), broker: brokerA);
        Assert.True(locked.State == OrderState.Proving, $"{locked.State.Name()} {locked.Reason} {locked.ReasonDetail}");
        Assert.NotNull(locked.LockBlock);
        var collateral = locked.LockCollateral!.Value;
        Assert.Equal(stakeA - collateral, await f.Market.StakeBalanceOfAsync(f.Address("prover")));
        // B saw the lock: its secondary order waits for the lock deadline; its own lock order was not taken.
        await WaitForOrderAsync(storeB, request.Id, o => o.State == OrderState.WaitingToLock, FulfillmentType.FulfillAfterLockExpire, brokerB);

        // Past the lock deadline (chain time).
        var now = await f.ChainTimeAsync();
        await f.AdvanceAsync((long)request.Offer.LockDeadline - (long)now + 1);

        var filled = await WaitForOrderAsync(storeB, request.Id, o => o.State.IsEnded(), FulfillmentType.FulfillAfterLockExpire, brokerB);
        Assert.True(filled.State == OrderState.Fulfilled, $"{filled.State.Name()} {filled.Reason} {filled.ReasonDetail}");
        var slashes = await f.Market.SlashedLogsAsync(request.Id);
        Assert.Single(slashes);
        Assert.Equal(f.Address("prover"), slashes[0].Event.Prover, ignoreCase: true);
        var bounty = slashes[0].Event.Bounty;
        Assert.Equal(collateral - slashes[0].Event.Burned, bounty);
        Assert.True(bounty > 0);
        var fills = await f.Market.FulfilledLogsAsync(request.Id);
        Assert.Single(fills);
        Assert.Equal(f.Address("prover2"), fills[0].Event.Prover, ignoreCase: true);
        Assert.Equal(bounty, fills[0].Event.Bounty);
        Assert.Equal(bounty, filled.BountyEarned);
        Assert.Equal(stakeB + bounty, await f.Market.StakeBalanceOfAsync(f.Address("prover2")));
        Assert.Single(await f.Market.LockedLogsAsync(request.Id));

        var slashed = await WaitForOrderAsync(storeA, request.Id, o => o.Slashed, broker: brokerA);
        Assert.True(slashed is { State: OrderState.Failed, Reason: ReasonCodes.Slashed }, $"{slashed.State.Name()} {slashed.Reason} {slashed.ReasonDetail}");
        Assert.Equal(1, brokerA.Metrics.SlashCount); // verity_broker_slashes_total
        // A's collateral is gone: half burned, half paid to B.
        Assert.Equal(stakeA - collateral, await f.Market.StakeBalanceOfAsync(f.Address("prover")));
        var lockOrderB = (await storeB.OrdersOfRequestAsync(request.Id)).Single(o => o.Type == FulfillmentType.LockAndFulfill);
        Assert.NotEqual(OrderState.Locking, lockOrderB.State);
        Assert.Null(lockOrderB.LockTransaction);
    }
}
