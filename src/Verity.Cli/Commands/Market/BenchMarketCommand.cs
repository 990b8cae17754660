using System.CommandLine;
using Verity.Chain.Accounts;
using Verity.Chain.Anvil;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Chain.Transactions;
using Verity.Market.Benchmarks;

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
        var cmd = new Command("market", "Benchmark the market: gas per operation (deposit, submit, lock, fulfil single and batched, slash, refund).");
        cmd.Options.Add(rpc);
        cmd.Options.Add(json);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            bool asJson = r.GetValue(json);
            AnvilProcess? anvil = null;
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
                        slash = gas.Slash,
                        refund = gas.Refund,
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
                    $"  slash                      {gas.Slash,10:N0}",
                    $"  refund                     {gas.Refund,10:N0}",
                ]);
                return 0;
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidOperationException) { throw new CliFailureException(e.Message); }
            finally
            {
                if (anvil != null) await anvil.DisposeAsync();
            }
        }));
        return cmd;
    }
}
