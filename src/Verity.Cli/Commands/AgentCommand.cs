using System.CommandLine;
using System.Globalization;
using Verity.Cluster.Agents;
using Verity.Cluster.Agents.Http;
using Verity.Cluster.Jobs;

namespace Verity.Cli.Commands;

/// <summary>
/// `verity agent`: a stateless proving agent for a node on another machine (one per GPU; CPU agents for execute). It
/// claims tasks of the allowed types over the node's JSON-RPC endpoint, runs them, and stops gracefully on Ctrl-C or
/// SIGTERM: running tasks are handed back so another agent takes them at once.
/// </summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var node = new Option<string>("--node") { Description = "the node's URL", DefaultValueFactory = _ => NodeClientOptions.DefaultNode };
        var token = new Option<string?>("--token") { Description = $"the node's agent token (default: ${NodeCredentials.AgentTokenVariable}, else agentToken in <data dir>/{NodeCredentials.FileName})" };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = $"the node's data directory, where it keeps {NodeCredentials.FileName} (default: {NodeCredentials.DefaultDataDir()})" };
        var types = new Option<string>("--types") { Description = "task types to take: a comma-separated list of execute, prove, finalize, or all", DefaultValueFactory = _ => "all" };
        var concurrency = new Option<int>("--concurrency") { Description = "tasks run at once (1 per GPU; on a CPU 1 is best: the prover uses every core)", DefaultValueFactory = _ => 1 };
        var name = new Option<string?>("--name") { Description = "agent name in the node's logs and metrics (default: <host>-<pid>); workers are <name>/<n>" };
        var cmd = new Command("agent", "Run a proving agent: claim tasks from a node, prove them, report back, until Ctrl-C.");
        foreach (var o in new Option[] { node, token, dataDir, types, concurrency, name }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => CliErrors.RunAsync(() =>
            RunAsync(r.GetValue(node)!, r.GetValue(token), r.GetValue(dataDir), r.GetValue(types)!, r.GetValue(concurrency), r.GetValue(name), ct)));
        return cmd;
    }

    private static async Task<int> RunAsync(string nodeUrl, string? tokenFlag, DirectoryInfo? dataDir, string typeList, int concurrency, string? name, CancellationToken ct)
    {
        if (concurrency is < 1 or > 256) throw new CliException($"--concurrency must be in 1..256, got {concurrency}.");
        var allowed = TaskTypes.ParseList(typeList);
        var nodeUri = NodeAddress.Parse(nodeUrl);
        if (name != null && (string.IsNullOrWhiteSpace(name) || name.Length > 150 || name.Any(char.IsControl)))
            throw new CliException($"--name must be 1..150 printable characters, got '{name}'.");
        string token = NodeCredentials.ResolveAgentToken(tokenFlag, dataDir);
        var options = new AgentOptions { Types = allowed, Concurrency = concurrency };
        if (name != null) options = options with { Name = name.Trim() };

        using var connection = AgentHttp.Create(nodeUri, token);
        var agent = new ProvingAgent(connection, () => new TimedTaskRunner(TaskRunners.Create(), Log), options, Log);
        Log($"agent {options.Name}: {concurrency} worker(s) for {string.Join(",", allowed.Select(t => t.Name()))} on {nodeUri}");
        await agent.RunAsync(ct);
        Log($"agent {options.Name} stopped: {agent.Completed} task(s) done, {agent.Failed} failed");
        return 0;
    }

    /// <summary>One timestamped line per event on stdout (errors of the command itself go to stderr).</summary>
    private static void Log(string line) =>
        Console.Out.WriteLine($"{DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} {line}");
}
