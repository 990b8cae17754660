using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Preflight;
using Verity.Broker.Pricing;
using Verity.Broker.Tests.Support;
using Verity.Chain.Accounts;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Chain.Tests.Anvil;
using Verity.Chain.Transactions;
using Verity.Market.Devnet;
using Verity.Market.Proving;

namespace Verity.Broker.Tests.Pricing;

// Inside the namespace: the Verity.Guests namespace (the example guests) would otherwise hide the test guests.

/// <summary>S-008 from the real market: a request submitted and locked on anvil is skipped before any preflight.</summary>
public sealed class ContractMarketReaderTests(AnvilFixture anvil) : IClassFixture<AnvilFixture>
{
    [Fact]
    public async Task A_request_locked_on_chain_is_S008_and_an_unknown_one_reads_Unknown()
    {
        var deployment = await DevnetSetup.DeployAsync(anvil.RpcUrl, CancellationToken.None);
        var web3 = ChainRpc.CreateWeb3(anvil.RpcUrl);
        string marketAddress = deployment.Addresses.Market;
        MarketContract As(string role) => new(web3, marketAddress,
            new TransactionSender(web3, ChainKey.Parse(deployment.Accounts[role].Key, role), deployment.ChainId));
        var block = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(Nethereum.RPC.Eth.DTOs.BlockParameter.CreateLatest());
        ulong now = (ulong)block.Timestamp.Value;

        // The requestor role is anvil's account #1, the requestor of Guests' requests.
        Assert.Equal(TestGuests.Requestor, deployment.Accounts["requestor"].Address.ToLowerInvariant());
        var request = TestGuests.Request(TestGuests.Path("sha256"), [1, 2, 3], now);
        var signature = ChainKey.Parse(deployment.Accounts["requestor"].Key, "requestor")
            .SignDigest(new RequestDigest(deployment.ChainId, marketAddress).Hash(request));
        await As("requestor").SubmitRequestAsync(request, signature);
        await As("prover").LockRequestAsync(request, signature);

        var reader = new ContractMarketReader(new MarketContract(web3, marketAddress));
        Assert.Equal(RequestStatus.Locked, await reader.RequestStatusAsync(request.Id, CancellationToken.None));
        Assert.Equal(RequestStatus.Unknown, await reader.RequestStatusAsync(request.Id + 1, CancellationToken.None));

        // The cluster is never asked: S-008 comes before preflight (this runner's node does not exist).
        using var client = new Verity.Cluster.Client.NodeClient(new Uri("http://127.0.0.1:1/"), NodeFixture.ApiKey);
        using var cluster = new Verity.Broker.Cluster.NodeCluster(client, new BrokerConfigSource(BrokerConfig.Default));
        using var http = new HttpClient();
        string cache = Directory.CreateTempSubdirectory("verity-reader-cache-").FullName;
        try
        {
            using var runner = new PreflightRunner(cluster, new ResourceCache(new ResourceFetcher(http), cache));
            var evaluation = await new OrderEvaluator(runner, reader).EvaluateAsync(TestGuests.Order(request),
                new MarketView(now, 1, CommittedWork.None, null), BrokerConfig.Default, CancellationToken.None);
            Assert.Equal(OrderState.Skipped, evaluation.Order.State);
            Assert.Equal(ReasonCodes.AlreadyLockedOrFulfilled, evaluation.Order.Reason);
            Assert.Contains("locked on chain", evaluation.Order.ReasonDetail);
            Assert.Equal(0, runner.JobsCreated);
        }
        finally { Directory.Delete(cache, recursive: true); }
    }
}
