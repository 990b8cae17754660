using Microsoft.Extensions.Logging;
using Verity.Broker;
using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Broker.Store;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Broker;

/// <summary>A broker started from the command line, with the watcher that hot-reloads its broker.toml.</summary>
internal sealed class LaunchedBroker(RunningBroker broker, BrokerConfigWatcher watcher, IEnumerable<IDisposable> owned) : IAsyncDisposable
{
    public RunningBroker Broker { get; } = broker;

    public async ValueTask DisposeAsync()
    {
        watcher.Dispose();
        await Broker.DisposeAsync().ConfigureAwait(false);
        foreach (var d in owned) d.Dispose();
    }
}

/// <summary>
/// What `verity node --broker` and `verity broker` share: read broker.toml (every problem reported, exit 2), resolve
/// the chain settings, start the broker on a store and a cluster, and watch the file for hot reload.
/// </summary>
internal static class BrokerLauncher
{
    /// <summary>Reads and checks broker.toml; warnings are printed, problems thrown.</summary>
    /// <exception cref="BrokerConfigException">the file is missing or invalid.</exception>
    public static BrokerConfig LoadConfig(string path, Action<string> log)
    {
        var (config, warnings) = BrokerConfigLoader.Load(path);
        foreach (var warning in warnings) log($"warning: {warning}");
        return config;
    }

    public static async Task<LaunchedBroker> StartAsync(string configPath, BrokerConfig config, MarketSettings settings, bool listenOnly,
        IBrokerStore store, Uri node, string apiKey, System.Diagnostics.Metrics.IMeterFactory meters, ILoggerFactory logs, CancellationToken ct)
    {
        var source = new BrokerConfigSource(config);
        // The cluster's retry counts follow the [prover] settings in force, so it reads the same source.
        var client = new Verity.Cluster.Client.NodeClient(node, apiKey);
        var cluster = new NodeCluster(client, source);
        var options = new BrokerOptions
        {
            RpcUrls = settings.RpcUrls.Count > 0 ? settings.RpcUrls : [settings.RequireRpcUrl()],
            PrivateKey = settings.RequirePrivateKey(),
            MarketAddress = settings.RequireMarketAddress(),
            OrderStreamUrl = settings.OrderStreamUrl,
            Config = source,
            Store = store,
            Cluster = cluster,
            ListenOnly = listenOnly,
            Development = settings.IsDevelopment,
            Meters = meters,
        };
        RunningBroker broker;
        try { broker = await BrokerHost.StartAsync(options, logs, ct).ConfigureAwait(false); }
        catch
        {
            cluster.Dispose();
            client.Dispose();
            throw;
        }
        var watcher = new BrokerConfigWatcher(configPath, source, logs.CreateLogger("Verity.Broker.Config"));
        return new LaunchedBroker(broker, watcher, [cluster, client]);
    }
}
