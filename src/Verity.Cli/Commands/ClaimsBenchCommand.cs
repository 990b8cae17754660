using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Verity.Bench;
using Verity.Cluster.Agents.Http;
using Verity.Cluster.Broker;
using Verity.Cluster.Store;
using Verity.Cluster.Store.Postgres;
using Verity.Cluster.Store.Sqlite;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Cli.Commands;

/// <summary>
/// `verity bench claims`: the scheduler's throughput — N simulated agents take and report zero-work tasks until none
/// are left — on SQLite or PostgreSQL, straight on the store, through the in-process broker, or over HTTP JSON-RPC to a
/// node. With one agent the mean step time is the scheduling overhead per task.
/// </summary>
internal static class ClaimsBenchCommand
{
    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "task store: sqlite (a temporary file) or postgres (--postgres)", DefaultValueFactory = _ => "sqlite" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (a database the benchmark may fill; its tables are created if missing)" };
        var via = new Option<string>("--via") { Description = "store (claim/complete calls), broker (the agent protocol in-process) or http (JSON-RPC to a node)", DefaultValueFactory = _ => "store" };
        var agents = new Option<int>("--agents") { Description = "simulated agents", DefaultValueFactory = _ => 64 };
        var jobs = new Option<int>("--jobs") { Description = "jobs to create", DefaultValueFactory = _ => 64 };
        var tasks = new Option<int>("--tasks") { Description = "ready tasks per job", DefaultValueFactory = _ => 64 };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("claims", "Benchmark the scheduler: task claims per second with N simulated agents, and the overhead per task.");
        foreach (var o in new Option[] { db, postgres, via, agents, jobs, tasks, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => CliErrors.RunAsync(async () =>
        {
            string dbKind = r.GetValue(db)!, viaKind = r.GetValue(via)!;
            if (dbKind is not ("sqlite" or "postgres")) throw new CliException($"--db must be sqlite or postgres, got '{dbKind}'.");
            if (viaKind is not ("store" or "broker" or "http")) throw new CliException($"--via must be store, broker or http, got '{viaKind}'.");
            string? connection = r.GetValue(postgres);
            if (dbKind == "postgres" && string.IsNullOrWhiteSpace(connection)) throw new CliException("--db postgres needs --postgres CONNECTION-STRING.");
            int n = r.GetValue(agents), j = r.GetValue(jobs), t = r.GetValue(tasks);
            if (n < 1 || j < 1 || t < 1) throw new CliException("--agents, --jobs and --tasks must be at least 1.");

            string dir = Path.Combine(Path.GetTempPath(), $"verity-claims-{Guid.NewGuid():N}");
            Directory.CreateDirectory(dir);
            try
            {
                var options = new NodeOptions
                {
                    DataDir = dir,
                    Db = dbKind,
                    Postgres = new PostgresSettings { ConnectionString = connection },
                    Agents = 0,
                    Listen = "http://127.0.0.1:0",
                };
                ClaimBenchmarkResult result;
                if (viaKind == "store")
                {
                    await using var store = DefaultComponents.CreateStore(options);
                    await store.MigrateAsync(ct);
                    result = await ClaimBenchmark.RunAsync(store, n, j, t, ct);
                }
                else
                {
                    await using var node = await NodeHost.StartAsync(options, DefaultComponents.Create(), _ => { }, ct);
                    // A second store on the same database seeds the tasks; the node's broker hands them out.
                    await using var seed = DefaultComponents.CreateStore(options);
                    var connectionToBroker = viaKind == "broker"
                        ? new InProcessBrokerConnection(node.Broker)
                        : (Cluster.Agents.IBrokerConnection)AgentHttp.Create(node.BaseAddress, node.AgentToken);
                    result = await ClaimBenchmark.RunAsync(seed, connectionToBroker, n, j, t, ct);
                }
                Print(result, dbKind, viaKind, r.GetValue(json));
                return 0;
            }
            finally
            {
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { /* a temp dir */ }
            }
        }));
        return cmd;
    }

    private static void Print(ClaimBenchmarkResult r, string db, string via, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                machine = StarkBenchmark.MachineDescription(), db, via, agents = r.Agents, tasks = r.Tasks,
                seconds = r.Elapsed.TotalSeconds, claims_per_second = r.ClaimsPerSecond, mean_step_ms = r.MeanLatencyMs,
            }));
            return;
        }
        var t = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        t.AddRow("machine", Markup.Escape(StarkBenchmark.MachineDescription()));
        t.AddRow("store, path", $"{db}, {via}");
        t.AddRow("simulated agents", $"{r.Agents}");
        t.AddRow("tasks (each claimed once)", $"{r.Tasks:N0}");
        t.AddRow("wall time", $"{r.Elapsed.TotalSeconds:F2} s");
        t.AddRow("[bold]claims/s[/]", $"{r.ClaimsPerSecond:N0}");
        t.AddRow("mean report+claim step (one agent's view)", $"{r.MeanLatencyMs:F2} ms");
        AnsiConsole.Write(t);
    }
}
