using System.Numerics;
using Nethereum.JsonRpc.Client;
using Nethereum.Signer;
using Nethereum.Web3;
using Verity.Chain.Accounts;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Chain.Tests.Anvil;
using Verity.Chain.Transactions;
using Verity.Market.OrderStream.Client;
using Verity.Market.OrderStream.Server;
using Verity.Market.OrderStream.Storage;
using Verity.Market.OrderStream.Validation;

namespace Verity.Market.Tests.OrderStream;

/// <summary>anvil with the market deployed (account #0), account #1 a requestor with 1 ETH deposited, #2 a prover with
/// 100 stake units in the market,
/// and an order stream checking orders against that chain through <see cref="ChainMarketState"/>.</summary>
public sealed class ChainOrderStreamFixture : AnvilFixture, IAsyncLifetime
{
    private int _index;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("verity-orderstream-chain-").FullName;

    public IWeb3 Web3 { get; private set; } = null!;
    public BigInteger ChainIdValue { get; private set; }
    public MarketContract Market { get; private set; } = null!;
    public RequestDigest Domain { get; private set; } = null!;
    public EthECKey Requestor => new(DevKeys[1]);
    public EthECKey Stranger => new(DevKeys[4]);
    public IOrderStore Store { get; private set; } = null!;
    public OrderStreamServer Server { get; private set; } = null!;
    public OrderStreamClient Client { get; private set; } = null!;

    public uint NextIndex() => (uint)Interlocked.Increment(ref _index);

    /// <summary>This chain's own nonces: the shared registry keys by chain id and address, and every test anvil is 31337.</summary>
    private readonly NonceManagers _nonces = new();

    public TransactionSender Sender(int devAccount) =>
        new(Web3, ChainKey.Parse(DevKeys[devAccount], $"dev account #{devAccount}"), ChainIdValue, describeRevert: MarketErrors.Describe,
            nonceManagers: _nonces);

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Web3 = ChainRpc.CreateWeb3(RpcUrl);
        ChainIdValue = await ChainRpc.GetChainIdAsync(Web3);
        var addresses = await MarketDeployment.DeployAsync(Sender(0));
        Market = new MarketContract(Web3, addresses.Market);
        Domain = new RequestDigest(ChainIdValue, addresses.Market);
        await Market.With(Sender(1)).DepositAsync(BigInteger.Pow(10, 18));
        var prover = Sender(2);
        await new StakeTokenContract(Web3, addresses.StakeToken, prover).FaucetAsync(100);
        await Market.With(prover).DepositStakeAsync(100);
        Store = await OrderStores.OpenAsync(_dataDir, postgres: null);
        Server = await OrderStreamServer.StartAsync(new OrderStreamOptions { Listen = "http://127.0.0.1:0" }, Store,
            new OrderValidator(Domain, new ChainMarketState(Web3, Market), new OrderLimits()));
        Client = new OrderStreamClient(Server.BaseAddress);
    }

    public async Task<ulong> ChainTimeAsync() => await new ChainMarketState(Web3, Market).ChainTimeAsync();

    public async Task IncreaseTimeAsync(ulong seconds)
    {
        await Web3.Client.SendRequestAsync(new RpcRequest(1, "evm_increaseTime", seconds));
        await Web3.Client.SendRequestAsync(new RpcRequest(2, "evm_mine"));
    }

    public new async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Server != null) await Server.DisposeAsync();
        if (Store != null) await Store.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
        await base.DisposeAsync();
    }
}

public sealed class ChainOrderStreamTests(ChainOrderStreamFixture chain) : IClassFixture<ChainOrderStreamFixture>
{
    private async Task<Verity.Market.OrderStream.Wire.SignedOrder> OrderAsync(EthECKey key, BigInteger? maxPrice = null, BigInteger? collateral = null)
    {
        var request = TestOrders.Request(key, chain.NextIndex(), await chain.ChainTimeAsync(), maxPrice);
        if (collateral is { } c) request.Offer.LockCollateral = c;
        return TestOrders.Sign(request, key, chain.Domain);
    }

    private async Task<string> RefusedAsync(Verity.Market.OrderStream.Wire.SignedOrder order, int status)
    {
        var e = await Assert.ThrowsAsync<OrderStreamException>(() => chain.Client.SubmitAsync(order));
        Assert.Equal(status, e.StatusCode);
        return e.Message;
    }

    [Fact]
    public async Task AcceptsAFundedOrderWithTheDigestTheContractComputes()
    {
        var order = await OrderAsync(chain.Requestor);
        var submitted = await chain.Client.SubmitAsync(order);
        Assert.Equal(await chain.Market.HashRequestAsync(order.Request), submitted.Digest);
        var listed = Assert.Single(await chain.Client.GetAsync(order.Request.Id));
        Assert.Equal(submitted.Seq, listed.Seq);
    }

    [Fact]
    public async Task RefusesAnOrderBeyondTheRequestorsDeposit()
    {
        var tooDear = await OrderAsync(chain.Requestor, maxPrice: BigInteger.Pow(10, 18) + 1);
        Assert.Contains("wei deposited in the market, less than maxPrice", await RefusedAsync(tooDear, 400), StringComparison.Ordinal);
        var stranger = await OrderAsync(chain.Stranger);
        Assert.Contains("has 0 wei deposited", await RefusedAsync(stranger, 400), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusesAnOrderTheChainsClockHasPassed()
    {
        var order = await OrderAsync(chain.Requestor);
        await chain.IncreaseTimeAsync(order.Request.Offer.Timeout);
        Assert.StartsWith("offer: expired", await RefusedAsync(order, 400), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusesARequestAlreadyLockedOnChain()
    {
        var order = await OrderAsync(chain.Requestor, collateral: 1);
        await chain.Market.With(chain.Sender(2)).LockRequestAsync(order.Request, order.Signature);
        Assert.Equal(RequestStatus.Locked, await chain.Market.RequestStatusAsync(order.Request.Id));
        Assert.EndsWith("is already locked on chain", await RefusedAsync(order, 400), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableRpcIs503()
    {
        var dead = ChainRpc.CreateWeb3("http://127.0.0.1:1", new RpcRetryPolicy { MaxAttempts = 1 });
        var state = new ChainMarketState(dead, new MarketContract(dead, chain.Market.Address));
        var e = await Assert.ThrowsAsync<MarketStateUnavailableException>(() => state.ChainTimeAsync());
        Assert.Contains("could not read the latest block", e.Message, StringComparison.Ordinal);

        await using var server = await OrderStreamServer.StartAsync(new OrderStreamOptions { Listen = "http://127.0.0.1:0" }, chain.Store,
            new OrderValidator(chain.Domain, state, new OrderLimits()));
        using var client = new OrderStreamClient(server.BaseAddress);
        var refused = await Assert.ThrowsAsync<OrderStreamException>(async () => await client.SubmitAsync(await OrderAsync(chain.Requestor)));
        Assert.Equal(503, refused.StatusCode);
    }
}

/// <summary>The throughput benchmark against the real chain (its own anvil: it posts many orders). The figure goes
/// to the test output; VERITY_ORDERSTREAM_BENCH_ORDERS sets how many orders (default 200).</summary>
public sealed class OrderStreamBenchmarkTests(ChainOrderStreamFixture chain, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<ChainOrderStreamFixture>
{
    [Fact]
    public async Task EveryBenchmarkOrderIsAcceptedAndStored()
    {
        int orders = int.TryParse(Environment.GetEnvironmentVariable("VERITY_ORDERSTREAM_BENCH_ORDERS"), out int n) ? n : 200;
        string dir = Directory.CreateTempSubdirectory("verity-orderstream-bench-").FullName;
        try
        {
            await using var store = await OrderStores.OpenAsync(dir, postgres: null);
            var result = await Verity.Market.Benchmarks.OrderStreamBenchmark.RunAsync(new(orders, 8), store,
                new ChainMarketState(chain.Web3, chain.Market), chain.Domain, chain.Requestor, await chain.ChainTimeAsync(), firstIndex: 1_000_000);
            output.WriteLine(result.ToString());
            Assert.Equal(orders, result.Accepted);
            Assert.Equal(orders, (await store.ListAsync(0, orders + 10)).Count);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}
