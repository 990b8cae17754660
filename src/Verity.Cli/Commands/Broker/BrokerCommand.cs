using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Verity.Broker;
using Verity.Broker.Api;
using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Broker.Store;
using Verity.Cluster.Protocol;
using Verity.Cluster.Telemetry;
using Verity.Node.Metrics;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Broker;

/// <summary>
/// `verity broker --config broker.toml --node URL`: the broker on its own, proving on a remote node (as Boundless's
/// broker points at Bento). Its orders live in its own database (--db, default a SQLite file in the node data dir's
/// sibling broker dir); its order API and metrics are served on --listen under the node's API key.
/// </summary>
internal static class BrokerCommand
{
    public const string DefaultListen = "http://127.0.0.1:8548";

    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "broker.toml (docs/BROKER.md §5)", Required = true };
        var node = new NodeClientOptions();
        var chain = new BrokerChainOptions();
        var db = new Option<string?>("--db") { Description = "the broker's database: a SQLite file path (default ~/.verity/broker/broker.db) or a PostgreSQL connection string starting with Host=" };
        var listen = new Option<string>("--listen") { Description = "where to serve the order API (/v1/broker/…) and /metrics", DefaultValueFactory = _ => DefaultListen };
        var cmd = new Command("broker", "Run the market broker against a remote proving node: discover, price, lock, prove, fulfil.");
        cmd.Options.Add(config);
        node.AddTo(cmd);
        chain.AddTo(cmd);
        cmd.Options.Add(db);
        cmd.Options.Add(listen);
        cmd.SetAction((r, ct) => RunAsync(r, config, node, chain, db, listen, ct));
        return cmd;
    }

    private static async Task<int> RunAsync(ParseResult r, Option<FileInfo> configOption, NodeClientOptions node, BrokerChainOptions chain,
        Option<string?> dbOption, Option<string> listenOption, CancellationToken ct)
    {
        string configPath = r.GetValue(configOption)!.FullName;
        BrokerConfig config;
        MarketSettings market;
        Uri nodeUrl;
        string apiKey;
        try
        {
            config = BrokerLauncher.LoadConfig(configPath, Console.Error.WriteLine);
            market = chain.Resolve(r);
            market.RequireRpcUrl();
            market.RequireMarketAddress();
            market.RequirePrivateKey();
            nodeUrl = node.ParseNode(r) ?? throw new CliException("--node is required.");
            apiKey = NodeCredentials.ResolveApiKey(r.GetValue(node.ApiKey), r.GetValue(node.DataDir));
        }
        catch (BrokerConfigException e)
        {
            foreach (string problem in e.Problems) Console.Error.WriteLine($"error: {problem}");
            return 2;
        }
        catch (Exception e) when (e is MarketSettingsException or CliException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }

        string db = r.GetValue(dbOption) ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".verity", "broker", "broker.db");
        bool postgres = db.StartsWith("Host=", StringComparison.OrdinalIgnoreCase);
        if (!postgres) Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(db))!);
        var store = BrokerStores.Open(postgres ? "postgres" : "sqlite", db);
        using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "yyyy-MM-dd HH:mm:ss "; }));
        var log = logs.CreateLogger("Verity.Broker");
        // The broker's own meters and provider: /metrics shows this broker's instruments (docs/METRICS.md).
        using var meters = new InstanceMeters();
        using var metrics = meters.AddTo(Sdk.CreateMeterProviderBuilder()).AddPrometheusScrape().Build();
        LaunchedBroker launched;
        try
        {
            launched = await BrokerLauncher.StartAsync(configPath, config, market, r.GetValue(chain.ListenOnly), store, nodeUrl, apiKey, meters, logs, ct);
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

        var drain = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var ownedStore = store; // disposed after the broker (declared first, disposed last)
        await using (launched)
        {
            var broker = launched.Broker;
            await using var api = await StartApiAsync(r.GetValue(listenOption)!, apiKey, broker, metrics, () => drain.TrySetResult(), log, ct);
            log.LogInformation("broker {Address} on market {Market}, proving on {Node}; order API on {Listen}", broker.Address, market.MarketAddress, nodeUrl, api.Urls.FirstOrDefault());
            var stop = new TaskCompletionSource();
            await using var reg = ct.Register(() => stop.TrySetResult());
            var finished = await Task.WhenAny(stop.Task, drain.Task, broker.Faulted);
            if (finished == broker.Faulted)
            {
                Console.Error.WriteLine($"error: the broker stopped: {broker.Faulted.Exception?.InnerException?.Message ?? "a critical service failed"}");
                return 1;
            }
            if (finished == drain.Task)
            {
                log.LogInformation("draining: no new locks; finishing every committed order");
                await broker.DrainAsync(ct);
                log.LogInformation("drained");
            }
            return 0;
        }
    }

    /// <summary>The standalone broker's order API: the same routes an embedded broker adds to its node, under the node's key.</summary>
    private static async Task<WebApplication> StartApiAsync(string listen, string apiKey, RunningBroker broker, MeterProvider metrics, Action onDrain,
        ILogger log, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(listen);
        var app = builder.Build();
        var keyBytes = System.Text.Encoding.UTF8.GetBytes(apiKey);
        var v1 = app.MapGroup("/v1").AddEndpointFilter(async (context, next) =>
        {
            string? given = context.HttpContext.Request.Headers[JobApi.ApiKeyHeader];
            return given != null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(given), keyBytes)
                ? await next(context)
                : Results.Json(new { error = $"missing or wrong {JobApi.ApiKeyHeader}" }, statusCode: 401);
        });
        BrokerRoutes.Map(v1, () => broker, onDrain);
        PrometheusScrape.Map(app, metrics, async http =>
        {
            // The order gauges as the database has them now; counters still show if it does not answer.
            try { await broker.RefreshMetricsAsync(http.RequestAborted); }
            catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
            {
                log.LogWarning("metrics: the broker's database did not answer: {Error}", e.Message);
            }
        });
        await app.StartAsync(ct);
        return app;
    }
}
