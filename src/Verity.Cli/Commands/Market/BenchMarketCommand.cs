using System.CommandLine;
using Verity.Chain.Accounts;
using Verity.Chain.Anvil;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Chain.Transactions;
using Verity.Market.Benchmarks;
using Verity.Market.Devnet;
using Verity.Market.OrderStream.Storage;
using Verity.Market.OrderStream.Validation;

namespace Verity.Cli.Commands.Market;

/// <summary>
/// `verity bench market`: the gas of each market operation (a fresh market on anvil: its own anvil unless --rpc-url
/// names one, which must be a development chain since the benchmark moves its clock).
/// </summary>
internal static class BenchMarketCommand
{
    public static Command Create()
    {
        var rpc = new Option<string?>("--rpc-url") { Description = "an anvil to run on (default: start one; the benchmark deploys its own market and moves the chain's clock)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var orders = new Option<int>("--orders") { Description = "orders the order stream benchmark posts", DefaultValueFactory = _ => new OrderStreamBenchmarkSettings().Orders };
        var clients = new Option<int>("--clients") { Description = "concurrent order stream clients", DefaultValueFactory = _ => new OrderStreamBenchmarkSettings().Clients };
        var cmd = new Command("market", "Benchmark the market: gas per operation (deposit, submit, lock, fulfil single and batched, commit-reveal of an unlocked fill, slash, refund) and the order stream's accepted orders per second.");
        foreach (var o in new Option[] { rpc, json, orders, clients }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            bool asJson = r.GetValue(json);
            var streamSettings = new OrderStreamBenchmarkSettings(r.GetValue(orders), r.GetValue(clients));
            if (streamSettings.Problem() is { } problem) throw new CliException($"--orders/--clients: {problem}.");
            AnvilProcess? anvil = null;
            string storeDir = Directory.CreateTempSubdirectory("verity-bench-orderstream-").FullName;
            try
            {
                string url;
                if (r.GetValue(rpc) is { } given) url = given;
                else
                {
                    MarketOutput.Note(asJson, "starting anvil for the benchmark");
                    anvil = await AnvilProcess.StartAsync(ct: ct);
                    url = anvil.RpcUrl;
                }
                var web3 = ChainRpc.CreateWeb3(url);
                var gas = await MarketGasBenchmark.RunAsync(url,
                    (key, chainId) => new TransactionSender(web3, ChainKey.Parse(key, "benchmark dev key"), chainId, describeRevert: data => MarketErrors.Describe(data)), ct);

                // The order stream over a fresh SQLite store, checking orders against a devnet-style market on the same chain.
                MarketOutput.Note(asJson, $"order stream: {streamSettings.Orders} orders from {streamSettings.Clients} clients");
                var deployment = await DevnetSetup.DeployAsync(url, ct);
                var market = new MarketContract(web3, deployment.Addresses.Market);
                var chainState = new ChainMarketState(web3, market);
                var requestor = new Nethereum.Signer.EthECKey(deployment.Accounts["requestor"].Key);
                OrderStreamBenchmarkResult stream;
                await using (var store = await OrderStores.OpenAsync(storeDir, postgres: null, ct))
                {
                    stream = await OrderStreamBenchmark.RunAsync(streamSettings, store, chainState,
                        new RequestDigest(deployment.ChainId, deployment.Addresses.Market), requestor, await chainState.ChainTimeAsync(ct), ct: ct);
                }
                MarketOutput.Print(asJson, new
                {
                    gas = new
                    {
                        deposit = gas.Deposit,
                        submit_request = gas.SubmitRequest,
                        lock_request = gas.LockRequest,
                        fulfill_single = gas.FulfillSingle,
                        fulfill_batch8_per_fill = gas.FulfillBatch8PerFill,
                        fulfill_batch32_per_fill = gas.FulfillBatch32PerFill,
                        commit_fulfillment = gas.CommitFulfillment,
                        fulfill_unlocked = gas.FulfillUnlocked,
                        unlocked_total = gas.UnlockedTotal,
                        slash = gas.Slash,
                        refund = gas.Refund,
                    },
                    order_stream = new
                    {
                        orders = stream.Orders,
                        clients = stream.Clients,
                        accepted = stream.Accepted,
                        seconds = stream.Elapsed.TotalSeconds,
                        accepted_per_second = stream.AcceptedPerSecond,
                        store = stream.Store,
                    },
                },
                [
                    "market gas per operation (development verifier):",
                    $"  deposit                    {gas.Deposit,10:N0}",
                    $"  submitRequest              {gas.SubmitRequest,10:N0}",
                    $"  lockRequest                {gas.LockRequest,10:N0}",
                    $"  fulfill (1 request)        {gas.FulfillSingle,10:N0}",
                    $"  fulfill (8), per request   {gas.FulfillBatch8PerFill,10:N0}",
                    $"  fulfill (32), per request  {gas.FulfillBatch32PerFill,10:N0}",
                    $"  commitFulfillment          {gas.CommitFulfillment,10:N0}",
                    $"  fulfill unlocked (reveal)  {gas.FulfillUnlocked,10:N0}  (commit + reveal {gas.UnlockedTotal:N0})",
                    $"  slash                      {gas.Slash,10:N0}",
                    $"  refund                     {gas.Refund,10:N0}",
                    $"order stream: {stream}",
                ]);
                return 0;
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidOperationException) { throw new CliFailureException(e.Message); }
            finally
            {
                if (anvil != null) await anvil.DisposeAsync();
                try { Directory.Delete(storeDir, recursive: true); }
                catch (IOException) { }
            }
        }));
        return cmd;
    }
}
