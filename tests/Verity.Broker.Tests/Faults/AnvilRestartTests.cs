using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Tests.Services;
using Verity.Chain.Contracts;
using static Verity.Broker.Tests.Faults.FaultWaits;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Faults;

/// <summary>The pipeline devnet with anvil started with <c>--state FILE</c>: SIGTERM dumps the chain, the next start loads it.</summary>
public sealed class PersistentChainFixture : PipelineFixture
{
    protected override IEnumerable<string> AnvilArgs => ["--state", Path.Combine(Dir, "anvil-state.json")];
}

/// <summary>
/// Anvil stopped (SIGTERM, state dumped) and started again on the same port (state loaded) while the broker holds
/// committed orders: the broker rides over the outage (RPC retries, supervised restarts of its services) and
/// fulfils them; nothing lost, nothing locked twice. Proofs are real. Nothing here moves the chain's clock: anvil
/// 1.7.1's state file does not keep an evm_increaseTime offset, so a moved clock would jump back at the restart.
/// </summary>
[Collection(DevnetCollection.Name)]
public class AnvilRestartTests(PersistentChainFixture f) : IClassFixture<PersistentChainFixture>
{
    [Fact]
    public async Task Committed_orders_are_fulfilled_after_anvil_restarts_with_its_state()
    {
        var taker = new AcceptingEvaluator();
        await using var store = await f.StoreAsync("anvil-restart.db");
        // Proved orders wait for a batch of ten: both are committed (locked and proved, not fulfilled) at the restart.
        BrokerConfig Config(int minBatch) => TestConfig(maxConcurrentProofs: 2) with
        {
            Prover = TestConfig().Prover with { MaxCriticalTaskRetries = 40 },
            Batcher = TestConfig().Batcher with { MinBatchSize = minBatch, MaxBatchSize = 64, BatchMaxTimeSeconds = 3600 },
        };
        var config = new BrokerConfigSource(Config(minBatch: 10));
        await using var broker = await f.StartBrokerAsync("prover", store, config, taker, rpcPolicy: QuickRpc);
        var first = await f.SubmitAsync(taker);
        var second = await f.SubmitAsync(taker);
        foreach (var r in new[] { first, second })
            await WaitForOrderAsync(store, r.Id, o => o.State == OrderState.Proved, broker: broker);
        var head = await f.Market.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync();

        await f.RestartAnvilAsync(whileDown: () =>
            UntilAsync("a broker service notices that anvil is gone",
                async () => (await broker.StatusAsync(CancellationToken.None)).Services.Values.Any(n => n > 0), broker));
        // The chain came back as it was: same head, the locks still there.
        Assert.Equal(head.Value, (await f.Market.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value);
        Assert.Equal(RequestStatus.Locked, await f.Market.RequestStatusAsync(first.Id));

        config.Set(Config(minBatch: 1));
        var third = await f.SubmitAsync(taker); // discovery goes on after the restart
        foreach (var r in new[] { first, second, third })
        {
            var order = await WaitForOrderAsync(store, r.Id, o => o.State.IsEnded(), broker: broker);
            Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
            var locks = await f.Market.LockedLogsAsync(r.Id);
            Assert.Single(locks);
            Assert.Equal((ulong)locks[0].Log.BlockNumber.Value, order.LockBlock);
            Assert.Equal(RequestStatus.Fulfilled, await f.Market.RequestStatusAsync(r.Id));
        }
        await AssertNothingStuckAsync(store, [first.Id, second.Id, third.Id]);
    }
}
