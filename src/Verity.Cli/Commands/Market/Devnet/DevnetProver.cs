using System.Numerics;
using Microsoft.Extensions.Logging;
using Verity.Broker;
using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Store;
using Verity.Cluster.Client;
using Verity.Market.Devnet;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Cli.Commands.Market.Devnet;

/// <summary>
/// One prover of the devnet: a node started in-process (SQLite and filesystem blobs in its own data directory, one
/// embedded agent) and a broker beside it (BrokerHost) that reaches the node's REST API on loopback, with its own
/// <c>mcycle_price</c>. The broker can be restarted on the same data directory without draining (<c>--faults</c>).
/// </summary>
internal sealed class DevnetProver : IAsyncDisposable
{
    private readonly RunningNode _node;
    private readonly NodeClient _client;
    private readonly Func<IBrokerStore, NodeCluster, BrokerOptions> _options;
    private readonly string _storePath;
    private readonly ILoggerFactory _logs;
    private IBrokerStore _store;
    private NodeCluster _cluster;
    private RunningBroker _broker;

    private DevnetProver(string name, string address, BigInteger mcyclePrice, RunningNode node, NodeClient client,
        Func<IBrokerStore, NodeCluster, BrokerOptions> options, string storePath, ILoggerFactory logs, IBrokerStore store,
        NodeCluster cluster, RunningBroker broker)
    {
        Name = name;
        Address = address;
        McyclePrice = mcyclePrice;
        _node = node;
        _client = client;
        _options = options;
        _storePath = storePath;
        _logs = logs;
        _store = store;
        _cluster = cluster;
        _broker = broker;
    }

    /// <summary>The devnet role (prover, prover2).</summary>
    public string Name { get; }
    public string Address { get; }
    public BigInteger McyclePrice { get; }

    /// <summary>Completes (faulted) when the broker stopped on an error.</summary>
    public Task Faulted => _broker.Faulted;

    public static async Task<DevnetProver> StartAsync(string name, DevnetAccount account, string dataDir, IReadOnlyList<string> rpcUrls,
        string market, Uri orderStream, BigInteger mcyclePrice, ILoggerFactory logs, Action<string> nodeLog, CancellationToken ct)
    {
        Directory.CreateDirectory(dataDir);
        var node = await NodeHost.StartAsync(new NodeOptions
        {
            DataDir = dataDir, Db = "sqlite", Blobs = "fs", Agents = 1, Listen = "http://127.0.0.1:0",
        }, DefaultComponents.Create(), nodeLog, ct).ConfigureAwait(false);
        try
        {
            var config = new BrokerConfigSource(DevnetBrokerConfig.For(mcyclePrice));
            var client = new NodeClient(node.BaseAddress, node.ApiKey);
            BrokerOptions Options(IBrokerStore store, NodeCluster cluster) => new()
            {
                RpcUrls = rpcUrls, PrivateKey = account.Key, MarketAddress = market, OrderStreamUrl = orderStream.ToString(),
                Config = config, Store = store, Cluster = cluster, Development = true, CacheDir = Path.Combine(dataDir, "broker-cache"),
            };
            // The broker keeps its tables in the node's database, as an embedded broker does (docs/BROKER.md §1).
            string storePath = Path.Combine(dataDir, "node.db");
            var store = await BrokerStores.OpenAsync("sqlite", storePath, ct).ConfigureAwait(false);
            var cluster = new NodeCluster(client, config);
            var broker = await BrokerHost.StartAsync(Options(store, cluster), logs, ct).ConfigureAwait(false);
            return new DevnetProver(name, account.Address, mcyclePrice, node, client, Options, storePath, logs, store, cluster, broker);
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Preflight and proving seconds of every order this prover's broker proved, from its store: any state with a
    /// ProvedAt, since the chain may show a fill before the broker stored "fulfilled", and a late fill ends failed (F-003).
    /// </summary>
    public async Task<IReadOnlyList<BrokerOrderTiming>> FulfilledTimingsAsync(CancellationToken ct)
    {
        var timings = new List<BrokerOrderTiming>();
        foreach (var order in (await _store.ListOrdersAsync([], 100_000, ct).ConfigureAwait(false)).Where(o => o.ProvedAt is not null))
        {
            var history = await _store.EventsAsync(order.Id, ct).ConfigureAwait(false);
            timings.Add(new BrokerOrderTiming(order.RequestId, Address, OrderTimings.PreflightSeconds(history), OrderTimings.ProvingSeconds(order)));
        }
        return timings;
    }

    /// <summary>Stops the broker without draining (as a crash would) and starts it again on the same database.</summary>
    public async Task RestartBrokerAsync(CancellationToken ct)
    {
        await StopBrokerAsync().ConfigureAwait(false);
        _store = await BrokerStores.OpenAsync("sqlite", _storePath, ct).ConfigureAwait(false);
        _cluster = new NodeCluster(_client, _broker.Config);
        _broker = await BrokerHost.StartAsync(_options(_store, _cluster), _logs, ct).ConfigureAwait(false);
    }

    private async Task StopBrokerAsync()
    {
        await _broker.DisposeAsync().ConfigureAwait(false);
        _cluster.Dispose();
        await _store.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopBrokerAsync().ConfigureAwait(false); }
        finally
        {
            _client.Dispose();
            await _node.StopAsync().ConfigureAwait(false);
            await _node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
