using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Signer;
using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Broker.Metrics;
using Verity.Broker.Orders;
using Verity.Broker.Services;
using Verity.Broker.Store;
using Verity.Broker.Tests.Support;
using Verity.Chain.Contracts;
using Verity.Cluster.Client;

namespace Verity.Broker.Tests.Attacks;

/// <summary>
/// A hostile order stream sends requests in any requestor's name — a priority requestor's, whose preflight runs with no
/// cycle limit and first — signed by someone else. The market would refuse their locks (InvalidSignature), but each
/// would still cost a preflight, and thousands of them would take every preflight slot. Discovery checks the EIP-712
/// signature itself and keeps only orders the requestor signed. No chain is needed: discovery hashes and stores.
/// </summary>
public sealed class ForgedOrderAttackTests : IAsyncLifetime
{
    private const string RequestorKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // anvil #1 = TestGuests.Requestor
    private const string Market = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-forged-").FullName;
    private IBrokerStore _store = null!;
    private DiscoveryService _discovery = null!;
    private RequestDigest _digest = null!;

    public async Task InitializeAsync()
    {
        _store = await BrokerStores.OpenAsync("sqlite", Path.Combine(_dir, "broker.db"));
        await _store.MigrateAsync(CancellationToken.None);
        var config = new BrokerConfigSource(BrokerConfig.Default with
        {
            Market = new MarketConfig { PriorityRequestorAddresses = [TestGuests.Requestor] },
        });
        _digest = new RequestDigest(31337, Market);
        var unused = new Uri("http://127.0.0.1:1/");
        _discovery = new DiscoveryService(new BrokerContext
        {
            Web3 = new Nethereum.Web3.Web3(unused.AbsoluteUri),
            Market = new MarketContract(new Nethereum.Web3.Web3(unused.AbsoluteUri), Market),
            Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
            ChainId = 31337,
            Digest = _digest,
            Store = _store,
            Cluster = new NodeCluster(new NodeClient(unused, "unused-api-key-0123456789"), config),
            Config = config,
            Metrics = new BrokerMetrics(),
            Logs = NullLoggerFactory.Instance,
        });
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task An_order_signed_by_someone_else_than_its_requestor_is_not_taken()
    {
        var request = TestGuests.Request(TestGuests.Path("sha256"), [1, 2, 3], 1000);
        var forged = _digest.Sign(request, EthECKey.GenerateKey());

        Assert.False(await _discovery.AddAsync(request, forged, "order-stream", FulfillmentType.LockAndFulfill, CancellationToken.None));
        Assert.Empty(await _store.OrdersOfRequestAsync(request.Id, CancellationToken.None));
    }

    [Fact]
    public async Task An_order_with_a_malformed_signature_is_not_taken()
    {
        var request = TestGuests.Request(TestGuests.Path("sha256"), [1, 2, 3], 1000);
        var junk = new byte[65];

        Assert.False(await _discovery.AddAsync(request, junk, "order-stream", FulfillmentType.LockAndFulfill, CancellationToken.None));
        Assert.Empty(await _store.OrdersOfRequestAsync(request.Id, CancellationToken.None));
    }

    [Fact]
    public async Task An_order_its_requestor_signed_is_taken()
    {
        var request = TestGuests.Request(TestGuests.Path("sha256"), [1, 2, 3], 1000);
        var signed = _digest.Sign(request, new EthECKey(RequestorKey));

        Assert.True(await _discovery.AddAsync(request, signed, "order-stream", FulfillmentType.LockAndFulfill, CancellationToken.None));
        Assert.Single(await _store.OrdersOfRequestAsync(request.Id, CancellationToken.None));
    }
}
