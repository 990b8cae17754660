using System.Text.Json;

namespace Verity.Cli.Commands.Aztec;

/// <summary>
/// One run of harness/bench.mjs against one freshly started broker (after its untimed warm-up jobs): what bench.mjs printed (throughput, latency, its own
/// CPU time) and, over the same timed span, the CPU time of the broker's process and of a local PostgreSQL server and
/// the machine's busy share; the span starts at bench.mjs's {"phase":"enqueue"} line and ends at its result line.
/// </summary>
internal sealed record BenchRun(
    string Target,
    int Round,
    int Jobs,
    int Proved,
    int Completed,
    double Seconds,
    double JobsPerSecond,
    int LatencyP50Ms,
    int LatencyP95Ms,
    int LatencyMaxMs,
    double HarnessCpuSeconds,
    double BrokerCpuSeconds,
    double? StoreCpuSeconds,
    double? MachineBusy)
{
    /// <summary>How long bench.mjs may take, setup included, before the run is called hung.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(15);

    public static async Task<BenchRun> MeasureAsync(BenchTarget target, string name, int round, string toolsDir, int jobs, int warmup, int agents, CancellationToken ct)
    {
        // Readings are taken on the pump thread as the lines arrive, so the span is bench.mjs's own timed span.
        TimeSpan brokerStart = TimeSpan.Zero, brokerEnd = TimeSpan.Zero;
        TimeSpan? storeStart = null, storeEnd = null;
        MachineCpu? machineStart = null, machineEnd = null;
        string? result = null;
        await using var bench = HarnessProcess.Start(toolsDir, "bench.mjs",
            ["--url", target.Url.ToString(), "--jobs", $"{jobs}", "--warmup", $"{warmup}", "--agents", $"{agents}"],
            line =>
            {
                if (line.StartsWith("{\"phase\":\"enqueue\"", StringComparison.Ordinal))
                {
                    brokerStart = target.BrokerCpuTime();
                    storeStart = target.StoreCpuTime();
                    machineStart = MachineCpu.Read();
                }
                else if (line.StartsWith('{') && line.Contains("\"jobsPerSecond\"", StringComparison.Ordinal))
                {
                    brokerEnd = target.BrokerCpuTime();
                    storeEnd = target.StoreCpuTime();
                    machineEnd = MachineCpu.Read();
                    result = line;
                }
            });
        int code = await bench.WaitAsync(Guard, ct).ConfigureAwait(false);
        if (code != 0 || result is null)
            throw new CliFailureException($"bench.mjs against {name} ({target.Url}) failed (exit {code}):\n{bench.Output}");
        try
        {
            using var doc = JsonDocument.Parse(result);
            var r = doc.RootElement;
            var latency = r.GetProperty("latencyMs");
            return new BenchRun(name, round,
                Jobs: r.GetProperty("jobs").GetInt32(),
                Proved: r.GetProperty("proved").GetInt32(),
                Completed: r.GetProperty("completed").GetInt32(),
                Seconds: r.GetProperty("seconds").GetDouble(),
                JobsPerSecond: r.GetProperty("jobsPerSecond").GetDouble(),
                LatencyP50Ms: latency.GetProperty("p50").GetInt32(),
                LatencyP95Ms: latency.GetProperty("p95").GetInt32(),
                LatencyMaxMs: latency.GetProperty("max").GetInt32(),
                HarnessCpuSeconds: r.GetProperty("cpuSeconds").GetDouble(),
                BrokerCpuSeconds: Math.Round((brokerEnd - brokerStart).TotalSeconds, 3),
                StoreCpuSeconds: storeStart is { } a && storeEnd is { } b ? Math.Round((b - a).TotalSeconds, 3) : null,
                MachineBusy: MachineCpu.BusyShare(machineStart, machineEnd) is { } busy ? Math.Round(busy, 3) : null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CliFailureException($"bench.mjs printed a result this command cannot read ({e.Message}): {result}");
        }
    }
}
