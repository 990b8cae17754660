using System.CommandLine;
using System.Globalization;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Cli.Commands;

/// <summary>
/// `verity node`: runs the prover node (proving broker, REST API, agent JSON-RPC, embedded agents) until Ctrl-C or
/// SIGTERM, then stops gracefully (agents hand back their tasks). Settings come from --config, VERITY_ environment
/// variables and these flags, in increasing precedence.
/// </summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "JSON configuration file" };
        var dataDir = new Option<string?>("--data-dir") { Description = $"where the node keeps its database, blobs and {NodeCredentials.FileName} (default: {NodeCredentials.DefaultDataDir()})" };
        var db = new Option<string?>("--db") { Description = "task store: sqlite (one machine) or postgres (cluster)" };
        db.AcceptOnlyFromAmong("sqlite", "postgres");
        var blobs = new Option<string?>("--blobs") { Description = "blob store: fs (under the data dir) or s3" };
        blobs.AcceptOnlyFromAmong("fs", "s3");
        var agents = new Option<int?>("--agents") { Description = "embedded agents (0: none, only remote `verity agent`s)" };
        var listen = new Option<string?>("--listen") { Description = "URL to listen on (default http://127.0.0.1:8547)" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (with --db postgres)" };
        var s3Url = new Option<string?>("--s3-url") { Description = "S3-compatible endpoint URL (with --blobs s3)" };
        var s3Bucket = new Option<string?>("--s3-bucket") { Description = "S3 bucket (with --blobs s3)" };
        var cmd = new Command("node", "Run the prover node: job API, proving broker and embedded agents, until Ctrl-C.");
        foreach (var o in new Option[] { config, dataDir, db, blobs, agents, listen, postgres, s3Url, s3Bucket }) cmd.Options.Add(o);
        cmd.Subcommands.Add(NodeAgentsCommand.Create());
        cmd.SetAction((r, ct) => CliErrors.RunAsync(async () =>
        {
            if (r.GetValue(agents) is < 0) throw new CliException($"--agents must be 0 or more, got {r.GetValue(agents)}.");
            if (r.GetValue(config) is { Exists: false } missing) throw new CliException($"configuration file '{missing.FullName}' does not exist.");
            // Flags are the configuration source with the highest precedence.
            var flags = new Dictionary<string, string?>();
            void Set(string key, string? value) { if (value != null) flags[key] = value; }
            Set("Node:DataDir", r.GetValue(dataDir));
            Set("Node:Db", r.GetValue(db));
            Set("Node:Blobs", r.GetValue(blobs));
            Set("Node:Agents", r.GetValue(agents)?.ToString(CultureInfo.InvariantCulture));
            Set("Node:Listen", r.GetValue(listen));
            Set("Node:Postgres:ConnectionString", r.GetValue(postgres));
            Set("Node:S3:ServiceUrl", r.GetValue(s3Url));
            Set("Node:S3:Bucket", r.GetValue(s3Bucket));
            var options = NodeConfiguration.Load(r.GetValue(config)?.FullName, flags);

            await using var node = await NodeHost.StartAsync(options, DefaultComponents.Create(), Log, ct);
            string secrets = Path.Combine(options.DataDir, NodeCredentials.FileName);
            Log($"verity node listening on {node.BaseAddress}");
            Log(File.Exists(secrets)
                ? $"API key and agent token: {secrets} (`verity job` and `verity agent` read it with --data-dir {options.DataDir})"
                : "API keys and agent token: from the configuration");
            Log("Ctrl-C stops the node");
            try { await node.WaitForShutdownAsync(ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            Log("stopping: embedded agents hand back their tasks…");
            await node.StopAsync();
            Log("stopped");
            return 0;
        }));
        return cmd;
    }

    private static void Log(string line) =>
        Console.Out.WriteLine($"{DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} {line}");
}
