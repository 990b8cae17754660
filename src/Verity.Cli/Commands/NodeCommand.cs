using System.CommandLine;
using System.Globalization;
using Verity.Broker.Config;
using Verity.Cli.Commands.Broker;
using Verity.Market.Settings;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Cli.Commands;

/// <summary>
/// `verity node`: runs the prover node (proving broker, REST API, agent JSON-RPC, embedded agents) until Ctrl-C or
/// SIGTERM, then stops gracefully (agents hand back their tasks). Settings come from --config, VERITY_ environment
/// variables and flags, in increasing precedence. The flags are <see cref="NodeConfiguration.FlagKeys"/> (one place,
/// which docs/CLUSTER.md lists and a test holds to it) and any setting as <c>--Section:Key=value</c>.
/// </summary>
internal static class NodeCommand
{
    private const string ConfigFlag = "--config";

    /// <summary>`--broker broker.toml`: run the market broker beside the cluster (docs/BROKER.md §1).</summary>
    private static readonly Option<FileInfo?> BrokerFlag = new("--broker") { Description = "run the market broker beside the cluster, configured by this broker.toml (docs/BROKER.md)" };
    private static readonly BrokerChainOptions Chain = new();

    /// <summary>Options that are the broker's, not node settings.</summary>
    private static readonly HashSet<string> BrokerOptionNames = [BrokerFlag.Name, .. Chain.All.Select(o => o.Name)];

    /// <summary>What each flag of <see cref="NodeConfiguration.FlagKeys"/> is, for --help.</summary>
    private static readonly Dictionary<string, string> Help = new(StringComparer.Ordinal)
    {
        ["--data-dir"] = $"where the node keeps its database, blobs and {NodeCredentials.FileName} (default: {NodeCredentials.DefaultDataDir()})",
        ["--db"] = "task store: sqlite (one machine, the default) or postgres (cluster)",
        ["--postgres"] = "PostgreSQL connection string (with --db postgres)",
        ["--blobs"] = "blob store: fs (under the data dir, the default) or s3",
        ["--s3-url"] = "S3-compatible endpoint URL (with --blobs s3)",
        ["--s3-bucket"] = "S3 bucket (with --blobs s3)",
        ["--s3-region"] = "S3 region (with --blobs s3; default us-east-1)",
        ["--agents"] = "embedded agents (default 1; 0: none, only remote `verity agent`s)",
        ["--agent-types"] = "task types the embedded agents take: execute,prove,finalize or all",
        ["--listen"] = "URL to listen on (default http://127.0.0.1:8547)",
        ["--api-key"] = "the key clients send in x-api-key (default: one generated into the data dir)",
        ["--agent-token"] = "the bearer token remote agents send (default: one generated into the data dir)",
        ["--otlp-endpoint"] = "export metrics over OTLP to this URL",
        ["--allow-simulation"] = "accept simulated-proving jobs (load tests of the orchestration only)",
        ["--aztec-listen"] = "serve Aztec's proving-broker protocol on this http://HOST:PORT, for an Aztec prover node and its agents (docs/AZTEC.md)",
    };

    public static Command Create()
    {
        var cmd = new Command("node",
            "Run the prover node: job API, proving broker and embedded agents, until Ctrl-C. Any setting can also be given as --Section:Key=value (--Broker:MaxJobAge=02:00:00).")
        {
            // --Section:Key=value settings are not declared options: NodeConfiguration.ParseArgs reads them.
            TreatUnmatchedTokensAsErrors = false,
        };
        // Declared as strings so that every value is checked by the configuration, which reports all problems at once.
        cmd.Options.Add(new Option<string?>(ConfigFlag) { Description = "JSON configuration file" });
        foreach (string flag in NodeConfiguration.FlagKeys.Keys)
        {
            string description = Help.GetValueOrDefault(flag) ?? $"sets {NodeConfiguration.FlagKeys[flag]}";
            cmd.Options.Add(NodeConfiguration.IsSwitch(flag)
                ? new Option<bool>(flag) { Description = description }
                : new Option<string?>(flag) { Description = description });
        }
        cmd.Options.Add(BrokerFlag);
        Chain.AddTo(cmd);
        cmd.Subcommands.Add(NodeAgentsCommand.Create());
        cmd.Subcommands.Add(NodeDrainCommand.Create());
        cmd.SetAction((r, ct) => RunAsync(r, ct));
        return cmd;
    }

    /// <summary>
    /// The config file and flag settings (as configuration keys) of a parsed `verity node` command line: the declared
    /// flags, then the --Section:Key=value ones.
    /// </summary>
    /// <exception cref="NodeConfigurationException">An unknown flag or a flag without its value.</exception>
    internal static (string? ConfigFile, IReadOnlyList<KeyValuePair<string, string?>> Flags) Settings(ParseResult r)
    {
        var args = new List<string>();
        foreach (var option in r.CommandResult.Command.Options)
        {
            if (BrokerOptionNames.Contains(option.Name)) continue;
            switch (option)
            {
                case Option<string?> text when r.GetValue(text) is { } value:
                    args.Add($"{option.Name}={value}");
                    break;
                case Option<bool> flag when r.GetResult(flag) is { Implicit: false }:
                    args.Add($"{option.Name}={(r.GetValue(flag) ? "true" : "false")}");
                    break;
            }
        }
        args.AddRange(r.UnmatchedTokens);
        return NodeConfiguration.ParseArgs(args);
    }

    private static async Task<int> RunAsync(ParseResult r, CancellationToken ct)
    {
        NodeOptions options;
        try
        {
            var (configFile, flags) = Settings(r);
            options = NodeConfiguration.Load(configFile, flags);
        }
        catch (NodeConfigurationException e)
        {
            // One line per problem, each naming its setting; exit 2 as for any bad argument.
            foreach (string error in e.Errors) Console.Error.WriteLine($"error: {error}");
            return 2;
        }

        // The broker's settings are checked before anything starts: a bad broker.toml is exit 2 with every problem.
        var brokerFile = r.GetValue(BrokerFlag);
        BrokerConfig? brokerConfig = null;
        MarketSettings? market = null;
        BrokerNodeExtension? extension = null;
        if (brokerFile != null)
        {
            try
            {
                brokerConfig = BrokerLauncher.LoadConfig(brokerFile.FullName, Log);
                market = Chain.Resolve(r);
                market.RequireRpcUrl();
                market.RequireMarketAddress();
                market.RequirePrivateKey();
            }
            catch (BrokerConfigException e)
            {
                foreach (string problem in e.Problems) Console.Error.WriteLine($"error: {problem}");
                return 2;
            }
            catch (Exception e) when (e is MarketSettingsException or CliException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
            extension = new BrokerNodeExtension();
        }

        RunningNode node;
        var components = DefaultComponents.Create() with { Extensions = extension is null ? [] : [extension] };
        try { node = await NodeHost.StartAsync(options, components, Log, ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine("interrupted");
            return 130;
        }
        catch (NodeConfigurationException e)
        {
            foreach (string error in e.Errors) Console.Error.WriteLine($"error: {error}");
            return 2;
        }
        catch (Exception e)
        {
            // Whatever stopped the start (store, data dir, listen address): one line naming the setting, no stack trace.
            Console.Error.WriteLine($"error: the node did not start: {NodeStartFailure.Describe(e, options)}");
            return 1;
        }

        await using (node)
        {
            string secrets = Path.Combine(options.DataDir, NodeCredentials.FileName);
            Log($"verity node listening on {node.BaseAddress}");
            Log(File.Exists(secrets)
                ? $"API key and agent token: {secrets} (`verity job` and `verity agent` read it with --data-dir {options.DataDir})"
                : "API keys and agent token: from the configuration");
            Log("Ctrl-C stops the node");
            if (extension != null)
            {
                int? brokerExit = await EmbeddedBroker.RunAsync(node, brokerFile!.FullName, brokerConfig!, market!, r.GetValue(Chain.ListenOnly), extension, Log, ct);
                if (brokerExit is { } code)
                {
                    await node.StopAsync();
                    return code;
                }
            }
            else
            {
                try { await node.WaitForShutdownAsync(ct); }
                catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            }
            Log("stopping: embedded agents hand back their tasks…");
            await node.StopAsync();
            Log("stopped");
            return 0;
        }
    }

    private static void Log(string line) =>
        Console.Out.WriteLine($"{DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} {line}");
}
