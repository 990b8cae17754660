using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Verity.Bench;

namespace Verity.Cli.Commands.Aztec;

/// <summary>
/// `verity bench aztec`: jobs per second through the Aztec endpoint under Aztec's own clients (tools/aztec/harness/
/// bench.mjs: ProvingAgents with a zero-delay MockProver, the facade enqueueing PARITY_BASE jobs), on SQLite and on
/// PostgreSQL, beside Aztec's own in-memory broker in the same run. Each round runs every target once, on a freshly
/// started broker, in an order that rotates per round, so load from others on a shared machine hits all of them; each
/// run starts with untimed warm-up jobs on the same broker and clients, so no one's JIT compiler is in the figures.
/// </summary>
internal static class AztecBenchCommand
{
    public static Command Create()
    {
        var jobs = new Option<int>("--jobs") { Description = "PARITY_BASE jobs per run", DefaultValueFactory = _ => 500 };
        var agents = new Option<int>("--agents") { Description = "Aztec ProvingAgents (MockProver, no delay), each with its own client", DefaultValueFactory = _ => 16 };
        var warmup = new Option<int>("--warmup") { Description = "untimed jobs each run starts with, on the same broker and clients, so JIT compilation stays out of the figures", DefaultValueFactory = _ => 100 };
        var rounds = new Option<int>("--rounds") { Description = "rounds; each runs every target once", DefaultValueFactory = _ => 2 };
        var postgres = new Option<string?>("--postgres") { Description = "also measure a node on PostgreSQL (an Npgsql connection string; a fresh schema per run, dropped after it)" };
        var tools = new Option<string?>("--tools") { Description = $"the Aztec tools folder (default: ${AztecBenchTools.Variable}, else tools/aztec above the current directory)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object (progress still goes to stderr)" };
        var cmd = new Command("aztec", "Jobs/s through the Aztec endpoint (SQLite, PostgreSQL) beside Aztec's own broker, with Aztec's agents; overhead per job and where the CPU goes.");
        foreach (var o in new Option[] { jobs, agents, warmup, rounds, postgres, tools, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => CliErrors.RunAsync(() => RunAsync(
            r.GetValue(jobs), r.GetValue(agents), r.GetValue(warmup), r.GetValue(rounds), r.GetValue(postgres), r.GetValue(tools), r.GetValue(json), ct)));
        return cmd;
    }

    private static async Task<int> RunAsync(int jobs, int agents, int warmup, int rounds, string? postgresConnection, string? toolsOption, bool asJson, CancellationToken ct)
    {
        if (jobs < 1) throw new CliException($"--jobs must be at least 1, got {jobs}.");
        if (agents < 1) throw new CliException($"--agents must be at least 1, got {agents}.");
        if (warmup < 0) throw new CliException($"--warmup must be 0 or more, got {warmup}.");
        if (rounds < 1) throw new CliException($"--rounds must be at least 1, got {rounds}.");
        if (postgresConnection != null && string.IsNullOrWhiteSpace(postgresConnection)) throw new CliException("--postgres is empty.");
        string toolsDir = AztecBenchTools.Locate(toolsOption);
        string nodeVersion = AztecBenchTools.NodeVersion();
        var postgres = postgresConnection is null ? null : await BenchPostgres.OpenAsync(postgresConnection, ct).ConfigureAwait(false);

        BenchTargetKind[] kinds = postgres is null
            ? [BenchTargetKind.Aztec, BenchTargetKind.VeritySqlite]
            : [BenchTargetKind.Aztec, BenchTargetKind.VeritySqlite, BenchTargetKind.VerityPostgres];
        double? loadBefore = MachineCpu.LoadAverage();
        var runs = new List<BenchRun>();
        for (int round = 1; round <= rounds; round++)
        {
            for (int i = 0; i < kinds.Length; i++)
            {
                var kind = kinds[(i + round - 1) % kinds.Length];
                string name = BenchTarget.Name(kind);
                Console.Error.WriteLine($"round {round}/{rounds}: {name}, {jobs} jobs after {warmup} untimed, {agents} agents …");
                await using var target = await BenchTarget.StartAsync(kind, toolsDir, postgres, ct).ConfigureAwait(false);
                var run = await BenchRun.MeasureAsync(target, name, round, toolsDir, jobs, warmup, agents, ct).ConfigureAwait(false);
                if (run.Completed != run.Jobs || run.Proved < run.Jobs)
                    throw new CliFailureException($"{name}: {run.Completed} of {run.Jobs} jobs came back to the facade, {run.Proved} proofs made");
                runs.Add(run);
                string store = run.StoreCpuSeconds is { } st ? string.Create(CultureInfo.InvariantCulture, $", PostgreSQL {st:F1} s") : "";
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {run.JobsPerSecond:F1} jobs/s, p50 {run.LatencyP50Ms} ms; in {run.Seconds:F1} s CPU: harness {run.HarnessCpuSeconds:F1} s, broker {run.BrokerCpuSeconds:F1} s{store}"));
            }
        }
        double? loadAfter = MachineCpu.LoadAverage();

        var aztecRuns = runs.Where(r => r.Target == BenchTarget.Name(BenchTargetKind.Aztec)).ToList();
        double aztecMedian = BenchSummary.Median(aztecRuns.Select(r => r.JobsPerSecond));
        var summaries = kinds.Select(k => BenchTarget.Name(k))
            .Select(n => BenchSummary.Of(n, runs.Where(r => r.Target == n).ToList(), n == BenchTarget.Name(BenchTargetKind.Aztec) ? null : aztecMedian))
            .ToList();
        var report = new Report(StarkBenchmark.MachineDescription(), nodeVersion, loadBefore, loadAfter, jobs, warmup, agents, rounds,
            postgres is null ? null : "a fresh schema per run, dropped after it", summaries, runs);
        if (asJson) Console.WriteLine(JsonSerializer.Serialize(report, JsonOptions));
        else Print(report);
        return 0;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The whole result: what `--json` prints.</summary>
    internal sealed record Report(
        string Machine,
        string NodeJs,
        double? LoadBefore,
        double? LoadAfter,
        int Jobs,
        int Warmup,
        int Agents,
        int Rounds,
        string? Postgres,
        IReadOnlyList<BenchSummary> Targets,
        IReadOnlyList<BenchRun> Runs);

    private static void Print(Report report)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine($"machine: {report.Machine}; Node.js {report.NodeJs}");
        Console.WriteLine(string.Create(c, $"load average (1 min): {report.LoadBefore:F2} before, {report.LoadAfter:F2} after"));
        Console.WriteLine($"{report.Jobs} PARITY_BASE jobs per run after {report.Warmup} untimed, {report.Agents} Aztec agents (MockProver, no delay), {report.Rounds} round(s); medians over rounds"
            + (report.Postgres is null ? "" : $"; PostgreSQL: {report.Postgres}"));
        Console.WriteLine();
        Console.WriteLine($"{"target",-16} {"jobs/s",8} {"min–max",13} {"p50 ms",8} {"p95 ms",8} {"overhead ms/job",16}");
        foreach (var s in report.Targets)
        {
            string overhead = s.OverheadMsPerJob is { } o ? o.ToString("+0.00;-0.00", c) : "—";
            Console.WriteLine(string.Create(c,
                $"{s.Target,-16} {s.MedianJobsPerSecond,8:F1} {$"{s.MinJobsPerSecond:F1}–{s.MaxJobsPerSecond:F1}",13} {s.LatencyP50Ms,8:F0} {s.LatencyP95Ms,8:F0} {overhead,16}"));
        }
        Console.WriteLine();
        Console.WriteLine("where the CPU goes over the timed span (ms of CPU per job, and cores kept busy): harness = the node.js process of all");
        Console.WriteLine("agents and the facade; broker = Aztec's broker process, or this process for Verity; store = a local PostgreSQL server");
        Console.WriteLine($"{"target",-16} {"harness",8} {"broker",8} {"store",8} {"harness cores",14} {"broker cores",13} {"store cores",12} {"machine busy",13}  bottleneck");
        foreach (var s in report.Targets)
        {
            string busy = s.MachineBusy is { } b ? b.ToString("P0", c) : "—";
            string store = s.StoreCpuMsPerJob is { } st ? st.ToString("F2", c) : "—";
            string storeCores = s.StoreCores is { } sc ? sc.ToString("F2", c) : "—";
            Console.WriteLine(string.Create(c,
                $"{s.Target,-16} {s.HarnessCpuMsPerJob,8:F2} {s.BrokerCpuMsPerJob,8:F2} {store,8} {s.HarnessCores,14:F2} {s.BrokerCores,13:F2} {storeCores,12} {busy,13}  {s.Bottleneck}"));
        }
    }
}
