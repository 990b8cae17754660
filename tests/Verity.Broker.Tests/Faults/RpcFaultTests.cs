using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Tests.Services;
using Verity.Chain.Rpc;
using static Verity.Broker.Tests.Faults.FaultWaits;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Faults;

/// <summary>
/// The broker reaches anvil only through an <see cref="RpcFaultProxy"/> (requests are submitted to anvil directly):
/// seeded JSON-RPC errors, rate limits, HTTP 503, held requests and dropped connections, and the proxy going down
/// in the middle of a lock. Every request must end fulfilled, locked once, with nothing stuck in the store. The point
/// is the chain side; proofs are real (the tiny guest). Waits are on stored or chain state with a hang guard.
/// </summary>
[Collection(DevnetCollection.Name)]
public class RpcFaultTests(PipelineFixture f) : IClassFixture<PipelineFixture>
{
    /// <summary>Faults kill steps (a JSON-RPC error is an answer, not retried): the supervisor restarts them, so allow more in a row.</summary>
    private static BrokerConfig FaultConfig(int maxConcurrentProofs) => TestConfig(maxConcurrentProofs) with
    {
        Prover = TestConfig().Prover with { MaxCriticalTaskRetries = 40 },
    };

    [Fact]
    public async Task Every_request_is_fulfilled_and_locked_once_through_a_faulty_rpc()
    {
        var taker = new AcceptingEvaluator();
        await using var proxy = RpcFaultProxy.Start(f.RpcUrl, new RpcFaultSchedule
        {
            Seed = 1302, JsonRpcErrorRate = 0.03, RateLimitedRate = 0.03, HttpErrorRate = 0.04, TimeoutRate = 0.01, DropRate = 0.04,
        });
        await using var store = await f.StoreAsync("rpc-faults.db");
        var config = new BrokerConfigSource(FaultConfig(maxConcurrentProofs: 2));
        await using var broker = await f.StartBrokerAsync("prover", store, config, taker, rpcUrl: proxy.Url, rpcPolicy: QuickRpc);
        var requests = new List<Verity.Chain.Contracts.ProofRequest>();
        for (int i = 0; i < 4; i++) requests.Add(await f.SubmitAsync(taker));
        // The seeded draws depend on how the services' requests interleave; one of each kind on top, while the requests
        // are in the pipeline, makes sure every kind is met whatever the interleaving.
        foreach (var kind in new[] { RpcFault.Timeout, RpcFault.Drop, RpcFault.JsonRpcError, RpcFault.HttpError, RpcFault.RateLimited })
            proxy.Inject(kind);

        foreach (var request in requests)
        {
            var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
            Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
            var locks = await f.Market.LockedLogsAsync(request.Id);
            Assert.Single(locks);
            Assert.Equal(locks[0].Event.Price, order.LockPrice);
            Assert.Equal(Verity.Chain.Contracts.RequestStatus.Fulfilled, await f.Market.RequestStatusAsync(request.Id));
        }
        await AssertNothingStuckAsync(store, requests.Select(r => r.Id));
        Assert.Equal(0, (await broker.StatusAsync(CancellationToken.None)).Committed.Orders);
        var injected = proxy.Injected;
        foreach (var kind in new[] { RpcFault.JsonRpcError, RpcFault.RateLimited, RpcFault.HttpError, RpcFault.Timeout, RpcFault.Drop })
            Assert.True(injected[kind] > 0, $"no {kind} was injected: {string.Join(", ", injected.Select(k => $"{k.Key}={k.Value}"))} of {proxy.Forwarded} forwarded");
    }

    [Fact]
    public async Task A_lock_whose_answer_was_lost_while_the_rpc_was_down_is_resolved_from_the_chain()
    {
        var taker = new AcceptingEvaluator();
        await using var proxy = RpcFaultProxy.Start(f.RpcUrl);
        await using var store = await f.StoreAsync("rpc-down.db");
        // No slot at first: the order waits, priced, until the chain is set up to hold the lock transaction unmined.
        var config = new BrokerConfigSource(FaultConfig(maxConcurrentProofs: 0));
        await using var broker = await f.StartBrokerAsync("prover", store, config, taker, rpcUrl: proxy.Url, rpcPolicy: QuickRpc);
        var request = await f.SubmitAsync(taker);
        var waiting = await WaitForOrderAsync(store, request.Id, o => o.State == OrderState.WaitingToLock, broker: broker);
        var nonce = await f.NonceAsync("prover");
        await f.AnvilRpcAsync("evm_setAutomine", "[false]");
        try
        {
            config.Set(FaultConfig(maxConcurrentProofs: 1));
            // The lock is broadcast (its hash stored) and sits in anvil's pool: the broker cannot know its outcome yet.
            var locking = await WaitForOrderAsync(store, request.Id, o => o.State == OrderState.Locking && o.LockTransaction != null, broker: broker);
            proxy.Down();
            await f.AnvilRpcAsync("evm_mine");
        }
        finally
        {
            await f.AnvilRpcAsync("evm_setAutomine", "[true]");
        }
        Assert.Equal(Verity.Chain.Contracts.RequestStatus.Locked, await f.Market.RequestStatusAsync(request.Id));
        // Down until the locker gave up on the receipt and failed a step: the order stays locking, nothing is guessed.
        await UntilAsync("the locker fails while the RPC is down",
            async () => (await broker.StatusAsync(CancellationToken.None)).Services.GetValueOrDefault("locker") > 0, broker);
        Assert.Equal(OrderState.Locking, (await store.GetOrderAsync(waiting.Id))!.State);
        proxy.Up();

        var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
        Assert.True(await HasEventAsync(store, order.Id, "resolved from the chain: locked by us"));
        var locks = await f.Market.LockedLogsAsync(request.Id);
        Assert.Single(locks);
        Assert.Equal((ulong)locks[0].Log.BlockNumber.Value, order.LockBlock);
        Assert.Equal(locks[0].Event.Price, order.LockPrice);
        // One lock and one fulfilment: nothing was sent twice.
        Assert.Equal(nonce + 2, await f.NonceAsync("prover"));
    }
}
