namespace Verity.Cli.Commands.Aztec;

/// <summary>
/// One target's runs over all rounds: medians (min and max of the rate), the overhead per job against Aztec's broker,
/// and where the CPU went — per job, and as cores kept busy during the timed span.
/// </summary>
internal sealed record BenchSummary(
    string Target,
    int Runs,
    int Jobs,
    int Proved,
    int Completed,
    double MedianJobsPerSecond,
    double MinJobsPerSecond,
    double MaxJobsPerSecond,
    double LatencyP50Ms,
    double LatencyP95Ms,
    double? OverheadMsPerJob,
    double HarnessCpuMsPerJob,
    double BrokerCpuMsPerJob,
    double? StoreCpuMsPerJob,
    double HarnessCores,
    double BrokerCores,
    double? StoreCores,
    double? MachineBusy,
    string Bottleneck)
{
    /// <summary>A harness at this share of a core or more is its one JavaScript thread running flat out.</summary>
    public const double SaturatedThread = 0.85;

    /// <summary>A machine this busy (all cores) has no CPU left for anyone.</summary>
    public const double SaturatedMachine = 0.9;

    /// <param name="aztecMedian">The median rate of Aztec's own broker in the same run (null: not measured).</param>
    public static BenchSummary Of(string target, IReadOnlyList<BenchRun> runs, double? aztecMedian)
    {
        double rate = Median(runs.Select(r => r.JobsPerSecond));
        double harnessCores = Median(runs.Select(r => r.HarnessCpuSeconds / r.Seconds));
        double brokerCores = Median(runs.Select(r => r.BrokerCpuSeconds / r.Seconds));
        double harnessPerJob = Median(runs.Select(r => 1000 * r.HarnessCpuSeconds / r.Jobs));
        double brokerPerJob = Median(runs.Select(r => 1000 * r.BrokerCpuSeconds / r.Jobs));
        var store = runs.Where(r => r.StoreCpuSeconds.HasValue).ToList();
        double? storePerJob = store.Count > 0 ? Median(store.Select(r => 1000 * r.StoreCpuSeconds!.Value / r.Jobs)) : null;
        double? storeCores = store.Count > 0 ? Median(store.Select(r => r.StoreCpuSeconds!.Value / r.Seconds)) : null;
        var busy = runs.Where(r => r.MachineBusy.HasValue).Select(r => r.MachineBusy!.Value).ToList();
        double? machine = busy.Count > 0 ? Median(busy) : null;
        return new BenchSummary(target, runs.Count,
            Jobs: runs.Sum(r => r.Jobs),
            Proved: runs.Sum(r => r.Proved),
            Completed: runs.Sum(r => r.Completed),
            MedianJobsPerSecond: rate,
            MinJobsPerSecond: runs.Min(r => r.JobsPerSecond),
            MaxJobsPerSecond: runs.Max(r => r.JobsPerSecond),
            LatencyP50Ms: Median(runs.Select(r => (double)r.LatencyP50Ms)),
            LatencyP95Ms: Median(runs.Select(r => (double)r.LatencyP95Ms)),
            OverheadMsPerJob: aztecMedian is { } a && a > 0 && rate > 0 ? Math.Round(1000 / rate - 1000 / a, 2) : null,
            HarnessCpuMsPerJob: Math.Round(harnessPerJob, 2),
            BrokerCpuMsPerJob: Math.Round(brokerPerJob, 2),
            StoreCpuMsPerJob: storePerJob is { } sp ? Math.Round(sp, 2) : null,
            HarnessCores: Math.Round(harnessCores, 3),
            BrokerCores: Math.Round(brokerCores, 3),
            StoreCores: storeCores is { } sc ? Math.Round(sc, 3) : null,
            MachineBusy: machine,
            Bottleneck: Judge(harnessCores, machine, harnessPerJob, brokerPerJob + (storePerJob ?? 0)));
    }

    /// <summary>
    /// Which side limits the rate: the harness when its single JavaScript thread (every agent and the facade) runs flat
    /// out; else, on a machine with no idle CPU, whichever side costs more CPU per job (the broker's side counting its
    /// PostgreSQL server); else neither is CPU-bound and the
    /// rate is set by round trips and the clients' polling.
    /// </summary>
    private static string Judge(double harnessCores, double? machineBusy, double harnessPerJob, double serverPerJob)
    {
        if (harnessCores >= SaturatedThread) return "harness (its JavaScript thread is saturated)";
        if (machineBusy >= SaturatedMachine)
            return serverPerJob > harnessPerJob ? "broker (machine CPU saturated, broker costs more per job)" : "harness (machine CPU saturated, harness costs more per job)";
        return "neither is CPU-bound (round trips and polling)";
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return double.NaN;
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
