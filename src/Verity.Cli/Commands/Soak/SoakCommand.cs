using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Verity.Bench;
using Verity.Stark.Air.Parameters;

namespace Verity.Cli.Commands.Soak;

/// <summary>
/// `verity bench soak`: N small real (or simulated) zkVM jobs through a `verity node` child with `verity agent`
/// children, on SQLite and/or a throwaway PostgreSQL, with faults injected on a seeded schedule (agents and the node
/// killed with SIGKILL and restarted, PostgreSQL restarted, a write lock held on node.db); reports completed, failed
/// and lost jobs, the extra task runs the faults cost and every receipt's check. Exit 0 only when every job completed
/// and every receipt checks out; 1 otherwise; 2 for bad arguments.
/// </summary>
internal static class SoakCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

    public static Command Create()
    {
        var jobs = new Option<int>("--jobs") { Description = "jobs per store", DefaultValueFactory = _ => 10 };
        var faults = new Option<bool>("--faults") { Description = "inject faults (without it: the same run, no faults — a baseline)" };
        var store = new Option<string>("--store") { Description = "task store: sqlite, postgres (a throwaway server: initdb/pg_ctl), or both", DefaultValueFactory = _ => "sqlite" };
        store.AcceptOnlyFromAmong("sqlite", "postgres", "both");
        var seed = new Option<int>("--seed") { Description = "seed of the inputs and the fault schedule", DefaultValueFactory = _ => 1 };
        var simulated = new Option<bool>("--simulated") { Description = "simulated proving (real execute, prove tasks that sleep; receipts carry the claim but prove nothing)" };
        var simulatedMs = new Option<int>("--simulated-task-ms") { Description = "how long each simulated prove task sleeps", DefaultValueFactory = _ => 500 };
        var po2 = new Option<int>("--po2") { Description = "segment size of the jobs: at most 2^po2 cycles per segment (4..24)", DefaultValueFactory = _ => 13 };
        var paramsName = new Option<string>("--params") { Description = "STARK parameter set of the jobs (see `verity params`)", DefaultValueFactory = _ => StarkParameters.InsecureTest.Name };
        var agents = new Option<int>("--agents") { Description = "the node's embedded agents", DefaultValueFactory = _ => 1 };
        var remoteAgents = new Option<int>("--remote-agents") { Description = "`verity agent` child processes", DefaultValueFactory = _ => 2 };
        var faultCount = new Option<int?>("--fault-count") { Description = "faults per store, drawn at random (default: one per two jobs, at least 2)" };
        var faultPlan = new Option<string?>("--fault-plan") { Description = "faults in this order instead: a comma-separated list of agent-kill, node-kill, db-restart, db-lock (a store skips those it has not)" };
        var faultGap = new Option<double>("--fault-gap") { Description = "longest wait in seconds after a batch of jobs before its fault", DefaultValueFactory = _ => 6 };
        var lockSeconds = new Option<double>("--lock-seconds") { Description = "how long db-lock holds BEGIN IMMEDIATE on node.db", DefaultValueFactory = _ => 15 };
        var heartbeat = new Option<double>("--heartbeat-timeout") { Description = "the node's heartbeat timeout in seconds (a dead agent's task is requeued after it)", DefaultValueFactory = _ => 10 };
        var timeout = new Option<double>("--timeout") { Description = "seconds per store before jobs that have not ended count as lost", DefaultValueFactory = _ => 1200 };
        var workDir = new Option<string?>("--work-dir") { Description = "where to keep data dirs and logs (default: a new temporary folder, deleted when every store passed without findings)" };
        var keep = new Option<bool>("--keep") { Description = "keep the work dir even when every store passed" };
        var json = new Option<bool>("--json") { Description = "print one JSON object (progress lines go to stderr)" };

        var cmd = new Command("soak", "Soak test: small jobs through a node and agents (child processes) while agents, the node and the database are killed, restarted or locked; reports completed/failed/lost jobs and extra task runs.");
        foreach (var o in new Option[] { jobs, faults, store, seed, simulated, simulatedMs, po2, paramsName, agents, remoteAgents, faultCount, faultPlan, faultGap, lockSeconds, heartbeat, timeout, workDir, keep, json })
            cmd.Options.Add(o);
        cmd.SetAction((r, ct) => CliErrors.RunAsync(async () =>
        {
            var settings = new SoakSettings
            {
                Jobs = r.GetValue(jobs),
                Faults = r.GetValue(faults),
                Stores = r.GetValue(store) == "both" ? ["sqlite", "postgres"] : [r.GetValue(store)!],
                Seed = r.GetValue(seed),
                Simulated = r.GetValue(simulated),
                SimulatedTaskMs = r.GetValue(simulatedMs),
                Po2 = r.GetValue(po2),
                Parameters = r.GetValue(paramsName)!,
                EmbeddedAgents = r.GetValue(agents),
                RemoteAgents = r.GetValue(remoteAgents),
                FaultCount = r.GetValue(faultCount),
                FaultPlan = r.GetValue(faultPlan) is { } plan ? plan.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(FaultKinds.Parse).ToList() : null,
                MaxFaultGap = Seconds(r.GetValue(faultGap), "--fault-gap"),
                LockHold = Seconds(r.GetValue(lockSeconds), "--lock-seconds"),
                HeartbeatTimeout = Seconds(r.GetValue(heartbeat), "--heartbeat-timeout"),
                Timeout = Seconds(r.GetValue(timeout), "--timeout"),
                WorkDir = r.GetValue(workDir),
                Keep = r.GetValue(keep),
            };
            settings.Validate();
            if (settings.FaultPlan != null && !settings.Faults) throw new CliException("--fault-plan needs --faults.");
            bool asJson = r.GetValue(json);
            var report = await RunAsync(settings, CommandLine(r), asJson ? Console.Error.WriteLine : Progress, ct);
            if (asJson) Console.WriteLine(JsonSerializer.Serialize(report, Json));
            else Print(report);
            return report.Passed ? 0 : 1;
        }));
        return cmd;
    }

    /// <summary>Runs every store's soak in turn, in a work dir of its own.</summary>
    public static async Task<SoakReport> RunAsync(SoakSettings settings, string command, Action<string> log, CancellationToken ct)
    {
        string root = settings.WorkDir ?? Path.Combine(Path.GetTempPath(), $"verity-soak-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        log($"soak work dir: {root}");
        var runs = new List<StoreReport>();
        foreach (var store in settings.Stores)
            runs.Add(await SoakRun.RunAsync(settings, store, Path.Combine(root, store), line => log($"{DateTime.Now:HH:mm:ss} {line}"), ct).ConfigureAwait(false));
        // The logs are what explains a failure or a finding: kept then.
        bool clean = runs.All(r => r.Passed && r.Findings.Count == 0);
        if (clean && !settings.Keep && settings.WorkDir == null)
        {
            try
            {
                Directory.Delete(root, recursive: true);
                runs = runs.Select(r => r with { Logs = null }).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { log($"could not delete {root}: {e.Message}"); }
        }
        return new SoakReport
        {
            Machine = StarkBenchmark.MachineDescription(),
            Command = command,
            Seed = settings.Seed,
            Simulated = settings.Simulated,
            Po2 = settings.Po2,
            Parameters = settings.Parameters,
            EmbeddedAgents = settings.EmbeddedAgents,
            RemoteAgents = settings.RemoteAgents,
            Runs = runs,
        };
    }

    private static TimeSpan Seconds(double value, string flag) =>
        double.IsFinite(value) && value >= 0 && value <= 86_400 ? TimeSpan.FromSeconds(value) : throw new CliException($"{flag} must be 0..86400 seconds, got {value}.");

    private static string CommandLine(ParseResult r) => "verity " + string.Join(' ', r.Tokens.Select(t => t.Value));

    private static void Progress(string line) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]");

    private static void Print(SoakReport report)
    {
        var t = new Table().Border(TableBorder.Rounded).AddColumn("measure");
        foreach (var run in report.Runs) t.AddColumn(new TableColumn(run.Store).RightAligned());
        void Row(string name, Func<StoreReport, string> value) => t.AddRow([Markup.Escape(name), .. report.Runs.Select(r => Markup.Escape(value(r)))]);
        Row("jobs", r => r.Jobs.ToString(CultureInfo.InvariantCulture));
        Row("completed", r => r.Completed.ToString(CultureInfo.InvariantCulture));
        Row("failed", r => r.Failed.ToString(CultureInfo.InvariantCulture));
        Row("lost", r => r.Lost.ToString(CultureInfo.InvariantCulture));
        Row("receipts verified", r => $"{r.ReceiptsVerified} ({r.ReceiptCheck})");
        Row("task runs (extra)", r => $"{r.TaskRuns} ({r.ExtraTaskRuns})");
        Row("faults", r => string.Join(", ", r.Faults.Where(f => f.Value > 0).Select(f => $"{f.Key} {f.Value}")) is { Length: > 0 } f ? f : "none");
        Row("unexpected exits", r => string.Join(", ", r.UnexpectedExits.Where(f => f.Value > 0).Select(f => $"{f.Key} {f.Value}")) is { Length: > 0 } f ? f : "none");
        Row("submit retries", r => r.SubmitRetries.ToString(CultureInfo.InvariantCulture));
        Row("wall time", r => $"{r.WallSeconds:F1} s");
        Row("health at the end", r => r.FinalHealth.Length > 60 ? r.FinalHealth[..60] + "…" : r.FinalHealth);
        Row("agents live at the end", r => $"{r.FinalAgentsLive?.ToString(CultureInfo.InvariantCulture) ?? "?"} of {r.ExpectedAgentsLive}");
        Row("result", r => r.Passed ? "PASS" : "FAIL");
        AnsiConsole.MarkupLine(Markup.Escape($"{report.Machine}; seed {report.Seed}; {(report.Simulated ? "simulated" : "real")} jobs, po2 {report.Po2}, parameters '{report.Parameters}'; {report.EmbeddedAgents} embedded + {report.RemoteAgents} remote agent(s)"));
        AnsiConsole.Write(t);
        foreach (var run in report.Runs)
        {
            foreach (var p in run.Problems) Console.WriteLine($"{run.Store}: job #{p.Index} {p.JobId ?? "(not created)"}: {p.Kind}: {p.Detail}");
            foreach (var f in run.Findings) Console.WriteLine($"{run.Store}: finding: {f}");
            if (run.Logs != null) Console.WriteLine($"{run.Store}: logs in {run.Logs}");
        }
    }
}
