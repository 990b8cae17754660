using System.CommandLine;
using System.Globalization;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Market.OrderStream.Server;
using Verity.Market.OrderStream.Storage;
using Verity.Market.OrderStream.Validation;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Market;

/// <summary>
/// `verity order-stream --listen URL --rpc URL --market ADDR`: runs the off-chain order stream until Ctrl-C.
/// Requestors post signed requests (checked against the chain: signature, deposit, deadline, status); provers list
/// them or follow the WebSocket feed. Orders live in the node's database: node.db in --data-dir (the order stream's own
/// tables), or PostgreSQL with --postgres; a restart keeps them.
/// </summary>
internal static class OrderStreamCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen") { Description = "URL to listen on", DefaultValueFactory = _ => "http://127.0.0.1:8585" };
        var rpc = new Option<string?>("--rpc", "--rpc-url") { Description = $"Ethereum JSON-RPC URL (default: ${MarketSettings.RpcUrlVariable}, the devnet)" };
        var market = new Option<string?>("--market") { Description = $"the market contract's address (default: ${MarketSettings.MarketAddressVariable}, the devnet)" };
        var deployment = new Option<FileInfo?>("--deployment") { Description = "a devnet deployment file (default: the one `verity devnet up` wrote, when it exists)" };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = $"the node's data directory: orders go into its node.db (default: {NodeCredentials.DefaultDataDir()})" };
        var postgres = new Option<string?>("--postgres") { Description = "keep orders in this PostgreSQL database instead (a connection string)" };
        var maxInput = new Option<int>("--max-input-bytes") { Description = "largest inline input an order may carry", DefaultValueFactory = _ => new OrderLimits().MaxInlineInputBytes };
        var cmd = new Command("order-stream", "Run the off-chain order stream: requestors post signed requests, provers read them (HTTP and a WebSocket feed), until Ctrl-C.");
        foreach (var o in new Option[] { listen, rpc, market, deployment, dataDir, postgres, maxInput }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(() => RunAsync(
            r.GetValue(listen)!, MarketSettings.Resolve(new MarketSettingsSources
            {
                RpcUrl = r.GetValue(rpc),
                MarketAddress = r.GetValue(market),
                DeploymentFile = r.GetValue(deployment)?.FullName,
            }),
            r.GetValue(dataDir)?.FullName ?? NodeCredentials.DefaultDataDir(), r.GetValue(postgres),
            new OrderLimits { MaxInlineInputBytes = r.GetValue(maxInput) }, ct)));
        return cmd;
    }

    private static async Task<int> RunAsync(string listen, MarketSettings settings, string dataDir, string? postgres, OrderLimits limits,
        CancellationToken ct)
    {
        var options = new OrderStreamOptions { Listen = listen, Limits = limits };
        if (options.Problem() is { } problem) throw new CliException(problem);
        if (!Uri.TryCreate(listen, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliException($"--listen: '{listen}' is not an http or https URL");
        // Checks that the RPC answers and that a contract is at the market address.
        var session = await MarketSession.OpenAsync(settings, withKey: false, ct).ConfigureAwait(false);
        // Orders are checked per request: a short retry, so that a chain outage is a prompt 503 rather than a long wait.
        var web3 = ChainRpc.CreateWeb3(settings.RequireRpcUrl(), new RpcRetryPolicy { MaxAttempts = 2, RequestTimeout = TimeSpan.FromSeconds(10) });
        var chain = new ChainMarketState(web3, new MarketContract(web3, session.Market.Address));
        var validator = new OrderValidator(new RequestDigest(session.ChainId, session.Market.Address), chain, limits);

        IOrderStore store;
        try { store = await OrderStores.OpenAsync(dataDir, postgres, ct).ConfigureAwait(false); }
        catch (Exception e) when (e is OrderStoreException or InvalidOperationException) { throw new CliFailureException(e.Message); }
        await using (store.ConfigureAwait(false))
        {
            await using var server = await OrderStreamServer.StartAsync(options, store, validator, Log, ct: ct).ConfigureAwait(false);
            Console.WriteLine($"order stream on {server.BaseAddress} for market {session.Market.Address} on chain {session.ChainId}; orders in {store.Name}. Ctrl-C stops it.");
            try { await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        }
        Console.WriteLine("order stream stopped");
        return 0;
    }

    private static void Log(string line) =>
        Console.WriteLine($"{DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} {line}");
}
