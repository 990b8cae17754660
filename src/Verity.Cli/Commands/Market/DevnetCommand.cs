using System.CommandLine;
using Verity.Market.Devnet;

namespace Verity.Cli.Commands.Market;

/// <summary>
/// `verity devnet up|down`: a local development market — a detached anvil, the contracts deployed, the roles funded,
/// and <c>deployment.json</c> (0600) that the other market commands read by default.
/// </summary>
internal static class DevnetCommand
{
    public const int DefaultPort = 8545;

    public static Command Create()
    {
        var devnet = new Command("devnet",
            "A local development market. Without a subcommand: anvil, the market, an order stream, two provers (node + broker) at " +
            "different prices and a requestor bot, in the foreground with a live table (docs/BROKER.md §8). " +
            "`up` / `down`: a detached chain with the market and funded accounts (requestor, prover, prover2).");
        var dir = new Option<DirectoryInfo?>("--dir") { Description = $"the devnet's directory: deployment.json, devnet.log, the provers' and the order stream's data (default: {Path.Combine(DevnetDeployment.DefaultDirectory(), "live")})" };
        var orders = new Option<int?>("--orders") { Description = "stop after this many requests are submitted and all have ended (fulfilled, expired, slashed), then print the summary" };
        var rate = new Option<double>("--rate") { Description = "requests per minute", DefaultValueFactory = _ => 6 };
        var faults = new Option<bool>("--faults") { Description = "the brokers' RPC goes through a fault proxy (seeded errors, 5xx, timeouts, dropped connections) and one broker is restarted mid-run" };
        var json = new Option<bool>("--json") { Description = "print only the summary, as one JSON object (needs --orders)" };
        var seed = new Option<int>("--seed") { Description = "seeds the requestor bot and the fault schedule", DefaultValueFactory = _ => 1 };
        foreach (var o in new Option[] { dir, orders, rate, faults, json, seed }) devnet.Options.Add(o);
        // Bad flags are usage errors (exit 2, CliErrors); what goes wrong while running is a market error (exit 1).
        devnet.SetAction((r, ct) => CliErrors.RunAsync(() =>
        {
            int? n = r.GetValue(orders);
            double perMinute = r.GetValue(rate);
            if (n is < 1) throw new CliException($"--orders must be at least 1, got {n}.");
            if (perMinute is <= 0 or > 600 || double.IsNaN(perMinute)) throw new CliException($"--rate must be in (0, 600] requests per minute, got {perMinute}.");
            if (r.GetValue(json) && n is null) throw new CliException("--json prints the summary at the end: give --orders N too.");
            string d = r.GetValue(dir)?.FullName ?? Path.Combine(DevnetDeployment.DefaultDirectory(), "live");
            var options = new Devnet.DevnetRunOptions(d, n, perMinute, r.GetValue(faults), r.GetValue(json), r.GetValue(seed));
            return MarketCommandErrors.RunAsync(() => Devnet.DevnetRun.RunAsync(options, ct));
        }));
        devnet.Subcommands.Add(CreateUp());
        devnet.Subcommands.Add(CreateDown());
        return devnet;
    }

    private static Option<DirectoryInfo?> DirOption() =>
        new("--dir") { Description = $"the devnet's directory: pid, log and {DevnetDeployment.FileName} (default: {DevnetDeployment.DefaultDirectory()})" };

    private static Command CreateUp()
    {
        var dir = DirOption();
        var port = new Option<int>("--port") { Description = "anvil's port on 127.0.0.1", DefaultValueFactory = _ => DefaultPort };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("up", "Start anvil (detached), deploy the market and fund the devnet accounts.");
        foreach (var o in new Option[] { dir, port, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            string d = r.GetValue(dir)?.FullName ?? DevnetDeployment.DefaultDirectory();
            int p = r.GetValue(port);
            bool asJson = r.GetValue(json);
            if (p is < 1 or > 65535) throw new CliException($"--port must be in 1..65535, got {p}.");
            if (DevnetProcess.RunningPid(d) is { } running)
                throw new CliFailureException($"a devnet already runs in {d} (anvil pid {running}); stop it with `verity devnet down{DirArgument(r, dir)}` first");

            var anvil = await DevnetProcess.LocateOrInstallAnvilAsync(d, s => MarketOutput.Note(asJson, s), ct);
            int pid = await DevnetProcess.StartDetachedAsync(anvil, d, p, ct);
            DevnetDeployment deployment;
            try
            {
                deployment = await DevnetSetup.DeployAsync($"http://127.0.0.1:{p}", ct);
                deployment.Save(Path.Combine(d, DevnetDeployment.FileName));
            }
            catch
            {
                // A devnet without its deployment is of no use: do not leave anvil behind.
                await DevnetProcess.StopAsync(d, CancellationToken.None);
                throw;
            }
            string file = Path.Combine(d, DevnetDeployment.FileName);
            var a = deployment.Addresses;
            MarketOutput.Print(asJson, new
            {
                dir = d,
                pid,
                rpc_url = deployment.RpcUrl,
                chain_id = deployment.ChainId,
                deployment_file = file,
                deployment_block = deployment.DeploymentBlock,
                addresses = new { stake_token = a.StakeToken, router = a.Router, development_verifier = a.DevelopmentVerifier, market = a.Market },
                // Addresses only: the keys stay in the 0600 file.
                accounts = deployment.Accounts.ToDictionary(kv => kv.Key, kv => kv.Value.Address),
            },
            [
                $"devnet running: anvil pid {pid}, {deployment.RpcUrl} (chain {deployment.ChainId}); log {Path.Combine(d, DevnetProcess.LogFile)}",
                $"market               {a.Market}",
                $"stake token          {a.StakeToken}",
                $"router               {a.Router}",
                $"development verifier {a.DevelopmentVerifier} (checks no proof: development mode only)",
                .. deployment.Accounts.Select(kv => $"{kv.Key,-20} {kv.Value.Address}"),
                $"deployment file      {file} (mode 0600: it holds the accounts' keys; use --account <role>)",
            ]);
            return 0;
        }));
        return cmd;
    }

    private static Command CreateDown()
    {
        var dir = DirOption();
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("down", "Stop the devnet's anvil (its chain is gone) and remove its deployment file.");
        cmd.Options.Add(dir);
        cmd.Options.Add(json);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            string d = r.GetValue(dir)?.FullName ?? DevnetDeployment.DefaultDirectory();
            bool stopped = await DevnetProcess.StopAsync(d, ct);
            // anvil keeps its state in memory: a deployment file would name contracts that no longer exist.
            var file = Path.Combine(d, DevnetDeployment.FileName);
            if (File.Exists(file)) File.Delete(file);
            MarketOutput.Print(r.GetValue(json), new { dir = d, stopped },
                [stopped ? $"devnet in {d} stopped" : $"no devnet runs in {d}"]);
            return 0;
        }));
        return cmd;
    }

    private static string DirArgument(ParseResult r, Option<DirectoryInfo?> dir) =>
        r.GetValue(dir) is { } given ? $" --dir {given.FullName}" : "";
}
