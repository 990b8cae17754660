using System.Numerics;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Tests.Services;
using Verity.Chain.Contracts;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Scenarios;

/// <summary>
/// Two brokers on one market, both with the real evaluator (preflight on the class's one proving node, which both
/// share; built-in pricing), at mcycle prices far apart: on a rising auction the cheaper one's target time comes
/// first, so it locks every request — each exactly once — and fulfils them; the dearer one loses each order (L-001)
/// and sends no transaction at all.
/// </summary>
[Collection(ScenarioCollection.Name)]
public class CompetingBrokersTests(PipelineFixture f) : IClassFixture<PipelineFixture>
{
    private const int Requests = 3;

    [Fact]
    public async Task The_cheaper_broker_locks_each_request_once_and_fulfils_it()
    {
        // A long ramp (up to the lock timeout): the dear broker's minimum is reached minutes of chain time after the auction starts.
        static Verity.Market.Requests.RequestPlan Ramp(Verity.Market.Requests.RequestPlan p) => p with { RampUpSeconds = 540 };
        long cycles = (await f.BuildAsync(Ramp)).Cycles;
        var offerMin = BigInteger.Pow(10, 15);
        var offerMax = BigInteger.Pow(10, 16);
        // Half the auction's range for the cycles alone (the preflight counts at least the executor's cycles).
        var dearPrice = (offerMax - offerMin) / 2 * 1_000_000 / cycles;
        var cheap = Config(mcyclePrice: 1, slots: 0); // held until both brokers have priced every request
        var dear = Config(dearPrice, slots: Requests);

        await using var cheapStore = await f.StoreAsync("cheap.db");
        await using var dearStore = await f.StoreAsync("dear.db");
        var dearNonce = await f.NonceAsync("prover2");
        await using var cheapBroker = await f.StartRealBrokerAsync("prover", cheapStore, cheap);
        await using var dearBroker = await f.StartRealBrokerAsync("prover2", dearStore, dear);
        var requests = new List<ProofRequest>();
        for (int i = 0; i < Requests; i++) requests.Add((await f.SubmitPlanAsync(Ramp)).Request);

        // Both price every request; the cheap one's target time is now, the dear one's well up the ramp.
        var now = await f.ChainTimeAsync();
        foreach (var r in requests)
        {
            var c = await WaitForOrderAsync(cheapStore, r.Id, o => o.State != OrderState.New && o.State != OrderState.Pricing, broker: cheapBroker);
            var d = await WaitForOrderAsync(dearStore, r.Id, o => o.State != OrderState.New && o.State != OrderState.Pricing, broker: dearBroker);
            Assert.True(c.State == OrderState.WaitingToLock, Describe(c));
            Assert.True(d.State == OrderState.WaitingToLock, Describe(d));
            Assert.True(d.MinimumPrice > r.Offer.MinPrice && d.MinimumPrice <= r.Offer.MaxPrice, $"dear minimum {d.MinimumPrice}");
            Assert.True(c.MinimumPrice < d.MinimumPrice);
            Assert.True(c.TargetTime <= now + 1, $"cheap target {c.TargetTime}, chain time {now}");
            Assert.True(d.TargetTime > now + 120, $"dear target {d.TargetTime}, chain time {now}");
        }

        // Let the cheap broker lock.
        cheap.Set(Config(mcyclePrice: 1, slots: Requests).Current);
        var cheapAddress = f.Address("prover");
        foreach (var r in requests)
        {
            var won = await WaitForOrderAsync(cheapStore, r.Id, o => o.State.IsEnded(), broker: cheapBroker);
            Assert.True(won.State == OrderState.Fulfilled, Describe(won));
            Assert.Equal(won.LockPrice, won.EarnedWei);
            var locks = await f.Market.LockedLogsAsync(r.Id);
            Assert.Single(locks);
            Assert.Equal(cheapAddress, locks[0].Event.Prover, ignoreCase: true);
            var fills = await f.Market.FulfilledLogsAsync(r.Id);
            Assert.Single(fills);
            Assert.Equal(cheapAddress, fills[0].Event.Prover, ignoreCase: true);
            Assert.Equal(RequestStatus.Fulfilled, await f.Market.RequestStatusAsync(r.Id));

            var lost = await WaitForOrderAsync(dearStore, r.Id, o => o.State.IsEnded(), broker: dearBroker);
            Assert.True(lost is { State: OrderState.Lost, Reason: ReasonCodes.LockedByOther }, Describe(lost));
            Assert.Equal(0, lost.GasSpentWei);
            // The dear broker's secondary order of the cheap lock ends with the fill.
            var secondary = await WaitForOrderAsync(dearStore, r.Id, o => o.State.IsEnded(), FulfillmentType.FulfillAfterLockExpire, dearBroker);
            Assert.True(secondary is { State: OrderState.Lost, Reason: ReasonCodes.FulfilledByOther }
                or { State: OrderState.Skipped, Reason: ReasonCodes.AlreadyLockedOrFulfilled }, Describe(secondary));
        }
        // Not one transaction from the dear broker: no lock was ever sent for a request already locked.
        Assert.Equal(dearNonce, await f.NonceAsync("prover2"));
        Assert.Equal(Requests, cheapBroker.Metrics.FulfilledCount);
    }

    private static BrokerConfigSource Config(BigInteger mcyclePrice, int slots)
    {
        var test = TestConfig(slots);
        // Lookback 0: only requests submitted after the broker started (the class's chain is shared by its tests).
        return new BrokerConfigSource(test with { Market = test.Market with { McyclePrice = mcyclePrice, LookbackBlocks = 0 } });
    }

    private static string Describe(Order o) => $"{o.Type.Name()} {o.State.Name()} {o.Reason} {o.ReasonDetail}";
}
