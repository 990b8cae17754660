using System.Numerics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Nethereum.JsonRpc.Client;
using Verity.Chain.Anvil;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Market.Devnet;
using Verity.Market.OrderStream.Client;
using Verity.Market.OrderStream.Server;
using Verity.Market.OrderStream.Storage;
using Verity.Market.OrderStream.Validation;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Market.Devnet;

/// <summary>What <c>verity devnet</c> was asked to do.</summary>
internal sealed record DevnetRunOptions(string Dir, int? Orders, double Rate, bool Faults, bool Json, int Seed);

/// <summary>
/// <c>verity devnet</c> in the foreground (docs/BROKER.md §8): anvil (a child process, gone with the command), the
/// market deployed and the roles funded, the order stream (SQLite in the devnet directory), the example guests served
/// on loopback, two provers (node + broker) at different <c>mcycle_price</c>, the requestor bot and a live table;
/// with <c>--orders N</c> it stops once N requests are in and all have ended, and prints the summary computed from the
/// market's events.
/// </summary>
internal static class DevnetRun
{
    /// <summary>The cheaper prover's price per million cycles (0.00001 ETH) and the dearer one's (0.02 ETH).</summary>
    public static readonly BigInteger CheapMcyclePrice = BigInteger.Pow(10, 13);
    public static readonly BigInteger DearMcyclePrice = 2 * BigInteger.Pow(10, 16);

    /// <summary>Subdirectories of the devnet directory this command owns and recreates on each run.</summary>
    private static readonly string[] Owned = ["prover", "prover2", "order-stream"];

    public static async Task<int> RunAsync(DevnetRunOptions o, CancellationToken ct)
    {
        Directory.CreateDirectory(o.Dir);
        if (DevnetProcess.RunningPid(o.Dir) is { } pid)
            throw new CliFailureException($"a detached devnet (`verity devnet up`, anvil pid {pid}) uses {o.Dir}; stop it or give --dir");
        // A new chain each run: what the last run left (brokers' databases, orders) names contracts that are gone.
        foreach (var sub in Owned)
            if (Directory.Exists(Path.Combine(o.Dir, sub))) Directory.Delete(Path.Combine(o.Dir, sub), recursive: true);

        await using var log = new DevnetLog(Path.Combine(o.Dir, "devnet.log"));
        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(log));
        var view = DevnetView.Create(o.Json);
        view.Note($"devnet in {o.Dir} (log: devnet.log)");

        await using var anvil = await AnvilProcess.StartAsync(
            await DevnetProcess.LocateOrInstallAnvilAsync(o.Dir, view.Note, ct).ConfigureAwait(false), ct: ct).ConfigureAwait(false);
        var deployment = await DevnetSetup.DeployAsync(anvil.RpcUrl, ct).ConfigureAwait(false);
        string deploymentFile = Path.Combine(o.Dir, DevnetDeployment.FileName);
        deployment.Save(deploymentFile);
        string market = deployment.Addresses.Market;
        view.Note($"anvil {anvil.RpcUrl}, market {market}");

        var web3 = ChainRpc.CreateWeb3(anvil.RpcUrl);
        await using var orderStore = await OrderStores.OpenAsync(Path.Combine(o.Dir, "order-stream"), postgres: null, ct).ConfigureAwait(false);
        var validator = new OrderValidator(new RequestDigest(deployment.ChainId, market),
            new ChainMarketState(web3, new MarketContract(web3, market)), new OrderLimits());
        await using var orderStream = await OrderStreamServer.StartAsync(new OrderStreamOptions { Listen = "http://127.0.0.1:0" }, orderStore,
            validator, line => log.Write("order-stream", line), ct: ct).ConfigureAwait(false);
        await using var guests = await ExampleGuestServer.StartAsync(ct: ct).ConfigureAwait(false);
        view.Note($"order stream {orderStream.BaseAddress}, guests {guests.BaseAddress}");

        // --faults: the brokers reach the chain only through the fault proxy (seeded: the same run meets the same faults).
        await using var proxy = o.Faults
            ? RpcFaultProxy.Start(anvil.RpcUrl, new RpcFaultSchedule
            {
                Seed = o.Seed, RateLimitedRate = 0.04, HttpErrorRate = 0.04, DropRate = 0.03, TimeoutRate = 0.002,
            }, logs.CreateLogger("RpcFaultProxy"))
            : null;
        IReadOnlyList<string> brokerRpc = [proxy?.Url ?? anvil.RpcUrl];

        var provers = new List<DevnetProver>();
        var loggerFactories = new List<ILoggerFactory>();
        try
        {
            foreach (var (role, price) in new[] { ("prover", CheapMcyclePrice), ("prover2", DearMcyclePrice) })
            {
                view.Note($"starting {role}: node + broker, mcycle_price {MarketOutput.Eth(price)}");
                var proverLogs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(log.For(role)));
                loggerFactories.Add(proverLogs);
                try
                {
                    provers.Add(await DevnetProver.StartAsync(role, deployment.Accounts[role], Path.Combine(o.Dir, role), brokerRpc, market,
                        orderStream.BaseAddress, price, proverLogs, line => log.Write(role, line), ct).ConfigureAwait(false));
                }
                catch (InvalidOperationException e)
                {
                    throw new CliFailureException($"{role} did not start: {e.Message}");
                }
            }
            return await RunMarketAsync(o, deploymentFile, deployment, web3, orderStream.BaseAddress, guests, provers, proxy, view, ct).ConfigureAwait(false);
        }
        finally
        {
            foreach (var p in provers) await p.DisposeAsync().ConfigureAwait(false);
            foreach (var f in loggerFactories) f.Dispose();
        }
    }

    private static async Task<int> RunMarketAsync(DevnetRunOptions o, string deploymentFile, DevnetDeployment deployment,
        Nethereum.Web3.IWeb3 web3, Uri orderStreamUrl, ExampleGuestServer guests, List<DevnetProver> provers, RpcFaultProxy? proxy,
        DevnetView view, CancellationToken ct)
    {
        var settings = MarketSettings.Resolve(new MarketSettingsSources { DeploymentFile = deploymentFile, Account = "requestor" }, _ => null);
        var session = await MarketSession.OpenAsync(settings, withKey: true, ct).ConfigureAwait(false);
        using var orderStream = new OrderStreamClient(orderStreamUrl);
        var bot = new RequestorBot(new RequestorBotOptions { Seed = o.Seed, RatePerMinute = o.Rate }, guests.ImageUrls);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clock = KeepChainTimeMovingAsync(web3, stop.Token);
        var requests = bot.RunAsync(session, orderStream, o.Orders,
            s => view.Note($"submitted {MarketOutput.Id(s.Id)} ({s.Guest}, {(s.OffChain ? "order stream" : "on chain")}{(s.Impossible ? ", impossible deadline" : "")})"),
            e => view.Note($"a submission failed: {e.Message}"), stop.Token);
        var addresses = provers.Select(p => p.Address).ToList();
        bool restarted = false;
        DevnetSummary? summary = null;
        var blockTimes = new Dictionary<ulong, ulong>();
        try
        {
            await view.WrapAsync(async () =>
            {
            while (true)
            {
                if (provers.FirstOrDefault(p => p.Faulted.IsCompleted) is { } failed)
                    throw new CliFailureException($"the broker of {failed.Name} stopped: {failed.Faulted.Exception?.GetBaseException().Message}");
                if (requests.IsFaulted) await requests.ConfigureAwait(false);
                var events = await MarketEventLog.ReadAsync(web3, deployment.Addresses.Market, deployment.DeploymentBlock, ct, blockTimes)
                    .ConfigureAwait(false);
                var now = await session.ChainTimeAsync(ct).ConfigureAwait(false);
                summary = DevnetSummary.Compute(bot.Submitted, events, now, addresses);
                if ((await RequestorBot.SlashExpiredLocksAsync(session, summary, ct).ConfigureAwait(false)).Count > 0) continue;
                view.Show(summary, provers, now);

                // --faults: one broker dies without draining halfway and comes back on the same database.
                if (o.Faults && !restarted && bot.Submitted.Count >= Math.Max(1, (o.Orders ?? 6) / 2))
                {
                    restarted = true;
                    view.Note($"restarting {provers[^1].Name}'s broker without draining (--faults)");
                    await provers[^1].RestartBrokerAsync(ct).ConfigureAwait(false);
                }
                if (o.Orders is { } n && requests.IsCompleted && bot.Submitted.Count >= n && summary.AllEnded) break;
                await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
            }
            }).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await Task.WhenAll(clock, requests).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        // The brokers' own records of what they fulfilled: preflight and proving seconds (read before they are disposed).
        var timings = new List<BrokerOrderTiming>();
        foreach (var p in provers) timings.AddRange(await p.FulfilledTimingsAsync(ct).ConfigureAwait(false));
        summary = summary!.WithBrokerTimings(timings);
        view.Done(summary, provers, proxy);
        if (o.Json) Console.WriteLine(JsonSerializer.Serialize(summary!.ToJson()));
        return 0;
    }

    /// <summary>anvil mines only on transactions: an empty block every 2 s keeps the chain's time near the wall clock.</summary>
    private static async Task KeepChainTimeMovingAsync(Nethereum.Web3.IWeb3 web3, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
                await web3.Client.SendRequestAsync(new RpcRequest(1, "evm_mine")).WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
        }
    }
}
