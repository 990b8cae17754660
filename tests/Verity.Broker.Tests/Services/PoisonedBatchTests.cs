using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Services;

/// <summary>
/// One fill the market refuses reverts a whole batch: the submitter then sends each fill alone, so the good one is
/// fulfilled in time and only the bad one fails — a poisoned request cannot take the batch's other locks down with it.
/// </summary>
[Collection(DevnetCollection.Name)]
public class PoisonedBatchTests(PipelineFixture f) : IClassFixture<PipelineFixture>
{
    [Fact]
    public async Task A_batch_with_a_fill_the_market_refuses_is_split_and_the_good_fill_lands()
    {
        var taker = new AcceptingEvaluator();
        await using var store = await f.StoreAsync("poisoned.db");
        // Nothing is batched until three are proved (and no deadline is near): the test decides when the batch forms.
        var held = TestConfig(maxConcurrentProofs: 2) with
        {
            Batcher = TestConfig().Batcher with { MinBatchSize = 3, BatchMaxTimeSeconds = 3600, BlockDeadlineBufferSeconds = 5, SubmitRetryDelayMilliseconds = 10 },
        };
        var config = new BrokerConfigSource(held);
        await using var broker = await f.StartBrokerAsync("prover", store, config, taker);
        var good = await f.SubmitAsync(taker);
        var bad = await f.SubmitAsync(taker);
        var goodOrder = await WaitForOrderAsync(store, good.Id, o => o.State == OrderState.Proved || o.State.IsEnded(), broker: broker);
        var badOrder = await WaitForOrderAsync(store, bad.Id, o => o.State == OrderState.Proved || o.State.IsEnded(), broker: broker);
        Assert.Equal(OrderState.Proved, goodOrder.State);
        Assert.Equal(OrderState.Proved, badOrder.State);

        // The poison: a journal the request's predicate does not accept (as a request whose fill reverts would be).
        Assert.True(await store.UpdateOrderAsync(badOrder with { JournalHex = "deadbeef" }, OrderState.Proved));
        config.Set(held with { Batcher = held.Batcher with { MinBatchSize = 2 } });

        var goodEnd = await WaitForOrderAsync(store, good.Id, o => o.State.IsEnded(), broker: broker);
        var badEnd = await WaitForOrderAsync(store, bad.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(goodEnd.State == OrderState.Fulfilled, $"{goodEnd.State.Name()} {goodEnd.Reason} {goodEnd.ReasonDetail}");
        Assert.Equal(RequestStatus.Fulfilled, await f.Market.RequestStatusAsync(good.Id));
        Assert.Equal(OrderState.Failed, badEnd.State);
        Assert.Equal(ReasonCodes.SubmissionFailed, badEnd.Reason);
        Assert.Contains(await store.EventsAsync(goodEnd.Id), e => e.Detail.Contains("sent alone"));
    }
}
