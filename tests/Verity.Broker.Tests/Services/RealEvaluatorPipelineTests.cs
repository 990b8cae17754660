using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Services;

/// <summary>
/// The broker as the node and the command line start it (BrokerHost.StartAsync with the real evaluator: preflight on
/// the node, built-in pricing), on a chain of its own, with a dead RPC URL listed first.
/// </summary>
[Collection(DevnetCollection.Name)]
public class RealEvaluatorPipelineTests(PipelineFixture f) : IClassFixture<PipelineFixture>
{
    [Fact]
    public async Task The_public_entry_point_prices_locks_proves_and_fulfils_a_request()
    {
        await using var store = await f.StoreAsync("real.db");
        var config = new BrokerConfigSource(TestConfig());
        await using var broker = await f.StartRealBrokerAsync("prover", store, config);
        var request = await f.SubmitAsync();
        var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
        Assert.NotNull(order.PreflightJobId);
        Assert.NotNull(order.MinimumPrice);
        Assert.True(order.EarnedWei >= order.MinimumPrice);
        Assert.Equal(RequestStatus.Fulfilled, await f.Market.RequestStatusAsync(request.Id));
        Assert.Equal(1, broker.Metrics.FulfilledCount); // verity_broker_fulfilled_total
        Assert.Equal(1, broker.Metrics.LocksWon); // verity_broker_locks_total{outcome="won"}
    }

    [Fact]
    public async Task A_proving_broker_refuses_to_start_off_a_devnet()
    {
        await using var store = await f.StoreAsync("refuse.db");
        var config = new BrokerConfigSource(TestConfig());
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => BrokerHost.StartAsync(new BrokerOptions
        {
            RpcUrls = [f.RpcUrl], PrivateKey = f.Deployment.Accounts["prover"].Key, MarketAddress = f.Deployment.Addresses.Market,
            Config = config, Store = store, Cluster = f.Cluster(config), Development = false,
        }, f.Logs, CancellationToken.None));
        Assert.Contains("--listen-only", e.Message);
        Assert.DoesNotContain(f.Deployment.Accounts["prover"].Key[2..], e.Message);
    }
}
