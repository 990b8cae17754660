using System.Text.Json;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cluster.Broker;

/// <summary>
/// What the broker checks in a success report before the store sees it: every output field in range and consistent
/// with the job (an agent token is not a licence to invent cycles or journals). A bad output is a
/// <see cref="TaskOutputException"/>, which fails the task (bounded by its attempts) instead of completing it.
/// </summary>
internal static class TaskOutputChecks
{
    /// <summary>Largest proof or receipt size an output may state (far above any real one; the blob is checked too).</summary>
    public const long MaxBlobBytes = 1L << 34;

    public static T Parse<T>(TaskType type, string outputJson)
    {
        try { return ClusterJson.Deserialize<T>(outputJson); }
        catch (JsonException e) { throw new TaskOutputException($"malformed {type.Name()} output: {e.Message}"); }
    }

    /// <summary>Checks an execute output against the job: cycles within its limit, a segment count that fits the cycles
    /// at its segment size, a hex journal within bounds, the input read within bounds; then the per-job segment cap.</summary>
    public static void Execute(ExecuteTaskOutput o, JobSpec spec, BrokerOptions options)
    {
        const string what = "execute output";
        if (o.Cycles < 1 || o.Cycles > spec.MaxCycles)
            throw new TaskOutputException($"{what}: cycles {o.Cycles} is outside 1..{spec.MaxCycles} (the job's cycle limit)");
        long segmentCycles = 1L << spec.SegmentPo2;
        long least = (o.Cycles + segmentCycles - 1) / segmentCycles;
        // The executor cuts a segment every 2^po2 cycles; one more allows for a run that stops on a segment boundary.
        if (o.Segments < least || o.Segments > least + 1)
            throw new TaskOutputException(
                $"{what}: {o.Segments} segment(s) do not fit {o.Cycles} cycles at segment po2 {spec.SegmentPo2} (expected {least})");
        if (o.JournalHex is null || o.JournalHex.Length % 2 != 0 || !IsHex(o.JournalHex))
            throw new TaskOutputException($"{what}: journalHex is not hex (an even number of hex digits)");
        if (o.JournalHex.Length / 2 > options.MaxJournalBytes)
            throw new TaskOutputException($"{what}: the journal is {o.JournalHex.Length / 2} bytes; the limit is {options.MaxJournalBytes}");
        if (o.InputConsumed < 0 || o.InputConsumed > options.MaxInputBytes)
            throw new TaskOutputException($"{what}: inputConsumed {o.InputConsumed} is outside 0..{options.MaxInputBytes}");
        Duration(what, "executeMs", o.ExecuteMs);
        if (!spec.ExecuteOnly && o.Segments > options.MaxSegmentsPerJob)
            throw new TaskOutputException(
                $"the run has {o.Segments} segments; this node proves at most {options.MaxSegmentsPerJob} per job (Broker:MaxSegmentsPerJob)",
                retry: false);
    }

    public static void Prove(ProveTaskOutput o)
    {
        Size("prove output", "proofBytes", o.ProofBytes);
        Duration("prove output", "proveMs", o.ProveMs);
    }

    public static void Finalize(FinalizeTaskOutput o, JobSpec spec)
    {
        Size("finalize output", "receiptBytes", o.ReceiptBytes);
        Duration("finalize output", "verifyMs", o.VerifyMs);
        bool simulated = spec.Simulation != null;
        if (o.Simulated != simulated)
            throw new TaskOutputException($"finalize output: simulated is {(o.Simulated ? "true" : "false")} for a job that is {(simulated ? "" : "not ")}simulated");
    }

    private static void Size(string what, string field, long bytes)
    {
        if (bytes < 1 || bytes > MaxBlobBytes) throw new TaskOutputException($"{what}: {field} {bytes} is outside 1..{MaxBlobBytes}");
    }

    private static void Duration(string what, string field, double ms)
    {
        if (!double.IsFinite(ms) || ms < 0) throw new TaskOutputException($"{what}: {field} {ms} is not a duration (finite, ≥ 0)");
    }

    private static bool IsHex(string s)
    {
        foreach (char c in s)
            if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }
}
