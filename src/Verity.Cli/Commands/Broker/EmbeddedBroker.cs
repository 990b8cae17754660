using Microsoft.Extensions.Logging;
using Verity.Broker.Cluster;
using Verity.Broker.Store;
using Verity.Market.Settings;
using Verity.Node.Hosting;

namespace Verity.Cli.Commands.Broker;

/// <summary>
/// The broker inside `verity node --broker`: its tables in the node's database, the cluster reached through the
/// node's REST API on loopback. Runs until the node is asked to stop (Ctrl-C: the broker stops first, committed orders
/// resume at the next start), a drain finishes (exit 0), or a critical broker service gives up (exit 1).
/// </summary>
internal static class EmbeddedBroker
{
    /// <returns>the exit code when the broker ended the run (drained, failed), or null when the node was asked to stop.</returns>
    public static async Task<int?> RunAsync(RunningNode node, string configPath, Verity.Broker.Config.BrokerConfig config, MarketSettings market,
        bool listenOnly, BrokerNodeExtension extension, Action<string> log, CancellationToken ct)
    {
        var options = node.Options;
        var store = options.Db == "postgres"
            ? BrokerStores.Open("postgres", options.Postgres.ConnectionString!)
            : BrokerStores.Open("sqlite", options.SqlitePath);
        using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "yyyy-MM-dd HH:mm:ss "; }));
        LaunchedBroker launched;
        try
        {
            launched = await BrokerLauncher.StartAsync(configPath, config, market, listenOnly, store,
                node.BaseAddress, node.ApiKey, node.Meters, logs, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await store.DisposeAsync();
            return 130;
        }
        catch (Exception e)
        {
            await store.DisposeAsync();
            Console.Error.WriteLine($"error: the broker did not start: {e.Message}");
            return 1;
        }

        await using var ownedStore = store; // disposed after the broker (declared first, disposed last)
        await using (launched)
        {
            var broker = launched.Broker;
            extension.Broker = broker;
            log($"broker {broker.Address} on market {market.MarketAddress}{(listenOnly ? " (listen-only: no transactions)" : "")}; orders: `verity orders list`");
            var shutdown = node.WaitForShutdownAsync(ct);
            var finished = await Task.WhenAny(shutdown, extension.DrainRequested, broker.Faulted);
            if (finished == broker.Faulted)
            {
                Console.Error.WriteLine($"error: the broker stopped: {broker.Faulted.Exception?.InnerException?.Message ?? "a critical service failed"}");
                return 1;
            }
            if (finished == extension.DrainRequested)
            {
                log("draining: no new locks; finishing every committed order…");
                try { await broker.DrainAsync(ct); }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    log("drain interrupted: committed orders resume at the next start");
                    return 130;
                }
                log("drained: every committed order ended");
                return 0;
            }
            return null;
        }
    }
}
