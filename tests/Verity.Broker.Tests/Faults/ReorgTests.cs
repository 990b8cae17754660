using System.Text.Json;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Tests.Services;
using Verity.Chain.Contracts;
using static Verity.Broker.Tests.Faults.FaultWaits;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Faults;

/// <summary>
/// Reorgs around a lock, made with anvil 1.7.1's <c>anvil_reorg(depth, [])</c>: the last <c>depth</c> blocks are
/// replaced by as many empty ones (their transactions are dropped, not put back in the pool), so a lock mined in them
/// vanishes. The broker's event cursor sees its saved block change, rewinds, and the broker follows the canonical
/// chain: an order whose lock vanished is locked again (once) or evaluated again, never counted as locked when the
/// chain says it is not. Proofs are real.
/// </summary>
[Collection(DevnetCollection.Name)]
public class ReorgTests(PipelineFixture f) : IClassFixture<PipelineFixture>
{
    private static BrokerConfig Config(int slots, int minBatch) => TestConfig(maxConcurrentProofs: slots) with
    {
        Batcher = TestConfig().Batcher with { MinBatchSize = minBatch, MaxBatchSize = 64, BatchMaxTimeSeconds = 3600 },
    };

    [Fact]
    public async Task Our_lock_reorged_out_is_locked_again_once_and_fulfilled()
    {
        var taker = new AcceptingEvaluator();
        await using var store = await f.StoreAsync("reorg-ours.db");
        // Proved orders wait for a batch of ten: the order holds its lock, proved, when the reorg comes.
        var config = new BrokerConfigSource(Config(slots: 1, minBatch: 10));
        await using var broker = await f.StartBrokerAsync("prover", store, config, taker);
        var request = await f.SubmitAsync(taker);
        var proved = await WaitForOrderAsync(store, request.Id, o => o.State == OrderState.Proved, broker: broker);
        var lockBlock = proved.LockBlock!.Value;
        await ReorgFromAsync(store, lockBlock, broker);
        Assert.Equal(RequestStatus.Unknown, await f.Market.RequestStatusAsync(request.Id));
        Assert.Empty(await f.Market.LockedLogsAsync(request.Id));

        await UntilAsync("the broker drops the vanished lock",
            () => HasEventAsync(store, proved.Id, "is not on the canonical chain"), broker);
        config.Set(Config(slots: 1, minBatch: 1));
        var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
        var locks = await f.Market.LockedLogsAsync(request.Id);
        Assert.Single(locks);
        Assert.Equal(f.Address("prover"), locks[0].Event.Prover, ignoreCase: true);
        Assert.Equal((ulong)locks[0].Log.BlockNumber.Value, order.LockBlock);
        Assert.Equal(locks[0].Log.TransactionHash, order.LockTransaction);
        Assert.Equal(locks[0].Event.Price, order.LockPrice);
        Assert.Equal(RequestStatus.Fulfilled, await f.Market.RequestStatusAsync(request.Id));
    }

    [Fact]
    public async Task An_order_lost_to_a_lock_that_was_reorged_out_is_evaluated_again_and_taken()
    {
        var taker = new AcceptingEvaluator();
        await using var store = await f.StoreAsync("reorg-other.db");
        var config = new BrokerConfigSource(Config(slots: 0, minBatch: 1)); // priced, never locked by us until allowed
        await using var broker = await f.StartBrokerAsync("prover", store, config, taker);
        var request = await f.SubmitAsync(taker);
        var waiting = await WaitForOrderAsync(store, request.Id, o => o.State == OrderState.WaitingToLock, broker: broker);
        var receipt = await f.MarketAs("prover2").LockRequestAsync(request, f.Sign(request));
        var lost = await WaitForOrderAsync(store, request.Id, o => o.State == OrderState.Lost, broker: broker);
        Assert.Equal(ReasonCodes.LockedByOther, lost.Reason);

        await ReorgFromAsync(store, (ulong)receipt.BlockNumber.Value, broker);
        Assert.Equal(RequestStatus.Unknown, await f.Market.RequestStatusAsync(request.Id));
        await UntilAsync("the lost order is evaluated again",
            () => HasEventAsync(store, waiting.Id, "the lock that ended it is not on the canonical chain"), broker);
        await WaitForOrderAsync(store, request.Id, o => o.State == OrderState.WaitingToLock, broker: broker);
        config.Set(Config(slots: 1, minBatch: 1));
        var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
        var locks = await f.Market.LockedLogsAsync(request.Id);
        Assert.Single(locks);
        Assert.Equal(f.Address("prover"), locks[0].Event.Prover, ignoreCase: true);
    }

    /// <summary>
    /// Once the broker's cursor has read past <paramref name="block"/> (so it saw what was mined there), replaces
    /// that block and every one after it with empty blocks.
    /// </summary>
    private async Task ReorgFromAsync(Verity.Broker.Store.IBrokerStore store, ulong block, RunningBroker broker)
    {
        var head = (ulong)(await f.Market.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
        await UntilAsync($"the broker's cursor reads block {head}",
            async () => (await store.Cursor("market").LoadAsync(CancellationToken.None))?.Block.Number >= head, broker);
        var replaced = await f.Market.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(
            new Nethereum.RPC.Eth.DTOs.BlockParameter(new Nethereum.Hex.HexTypes.HexBigInteger(block)));
        await f.AnvilRpcAsync("anvil_reorg", JsonSerializer.Serialize(new object[] { head - block + 1, Array.Empty<object>() }));
        var now = await f.Market.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(
            new Nethereum.RPC.Eth.DTOs.BlockParameter(new Nethereum.Hex.HexTypes.HexBigInteger(block)));
        Assert.NotEqual(replaced.BlockHash, now.BlockHash);
    }
}
