using System.Diagnostics;
using System.Text;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Zkvm.Receipts;

namespace Verity.Cluster.Runners;

/// <summary>
/// Simulated proving (<see cref="JobSpec.Simulation"/>, like Aztec's <c>PROVER_REAL_PROOFS=false</c>) for load-testing
/// the orchestration: execute runs the real executor (preflight, so cycles, segments and journal are true) and stores
/// a small <see cref="SimulatedRun"/>; each prove task waits <see cref="SimulationSpec.TaskDelayMs"/> and stores a
/// placeholder; finalize writes a <see cref="SimulatedReceipt"/>, which every verifier refuses. Blob reads and writes
/// follow the real layout, so missing blobs and retries behave as in a real job. Thread-safe (no state).
/// </summary>
internal sealed class SimulatedTaskRunner : ITaskRunner
{
    /// <summary>Progress is reported this many times over a prove task's delay.</summary>
    private const int DelaySteps = 10;

    public async Task<string> RunAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
    {
        var spec = task.Spec;
        if (spec.Simulation is null) throw new ArgumentException($"job {task.JobId} is not a simulated job", nameof(task));
        JobInputs.CheckSpec(spec);
        return task.Type switch
        {
            TaskType.Execute => await ExecuteAsync(task, blobs, progress, ct).ConfigureAwait(false),
            TaskType.Prove => await ProveAsync(task, blobs, progress, ct).ConfigureAwait(false),
            TaskType.Finalize => await FinalizeAsync(task, blobs, progress, ct).ConfigureAwait(false),
            _ => throw new TaskFailedException($"unknown task type {task.Type}", retry: false),
        };
    }

    private static async Task<string> ExecuteAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
    {
        var preflight = await JobInputs.PreflightAsync(task, blobs, progress, ct).ConfigureAwait(false);
        var result = preflight.Result;
        var claim = new Claim(preflight.Image.ImageId, Claim.DigestInput(preflight.Input), result.Journal, unchecked((uint)result.ExitCode));
        var run = new SimulatedRun(claim, result.Cycles, result.Segments.Count, result.InputBytesRead);
        await blobs.PutAsync(BlobKeys.Run(task.JobId), run.ToBytes(), ct).ConfigureAwait(false);
        progress.Report(1);
        return ClusterJson.Serialize(preflight.Output());
    }

    private static async Task<string> ProveAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
    {
        var run = await LoadRunAsync(task, blobs, ct).ConfigureAwait(false);
        ZkvmTaskRunner.CheckProveIndex(task, run.Segments);
        var sw = Stopwatch.StartNew();
        int delay = task.Spec.Simulation!.TaskDelayMs;
        for (int step = 1; step <= DelaySteps && delay > 0; step++)
        {
            // Spread the wait so progress moves and cancellation is prompt.
            int until = (int)((long)delay * step / DelaySteps);
            int wait = until - (int)sw.ElapsedMilliseconds;
            if (wait > 0) await Task.Delay(wait, ct).ConfigureAwait(false);
            progress.Report((double)step / DelaySteps);
        }
        var placeholder = Encoding.UTF8.GetBytes($"simulated proof {task.Index} of job {task.JobId}: no proof was made");
        await blobs.PutAsync(BlobKeys.Proof(task.JobId, task.Index), placeholder, ct).ConfigureAwait(false);
        progress.Report(1);
        return ClusterJson.Serialize(new ProveTaskOutput { ProofBytes = placeholder.Length, ProveMs = sw.Elapsed.TotalMilliseconds });
    }

    private static async Task<string> FinalizeAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
    {
        var run = await LoadRunAsync(task, blobs, ct).ConfigureAwait(false);
        // Every prove task must have left its placeholder, as a real finalize needs every proof; missing ones are made again.
        var missing = new List<(int, string)>();
        for (int i = 0; i <= run.Segments; i++)
        {
            string key = BlobKeys.Proof(task.JobId, i);
            if (!await blobs.ExistsAsync(key, ct).ConfigureAwait(false)) missing.Add((i, $"simulated proof {i} (blob '{key}') is missing"));
        }
        if (missing.Count > 0) throw ZkvmTaskRunner.ProofsToRedo(missing);
        progress.Report(0.5);
        var bytes = new SimulatedReceipt(run.Claim, run.Cycles, run.Segments).ToBytes();
        await blobs.PutAsync(BlobKeys.Receipt(task.JobId), bytes, ct).ConfigureAwait(false);
        progress.Report(1);
        return ClusterJson.Serialize(new FinalizeTaskOutput { ReceiptBytes = bytes.Length, VerifyMs = 0, Simulated = true });
    }

    private static async Task<SimulatedRun> LoadRunAsync(ClaimedTask task, IBlobStore blobs, CancellationToken ct)
    {
        string key = BlobKeys.Run(task.JobId);
        byte[] bytes;
        try { bytes = await JobInputs.RequireBlobAsync(blobs, key, "the simulated run", ct).ConfigureAwait(false); }
        catch (BlobCorruptedException e) { throw new TaskFailedException($"the simulated run is unusable: {e.Message}", retry: false, e); }
        try { return SimulatedRun.FromBytes(bytes); }
        catch (FormatException e) { throw new TaskFailedException($"run blob '{key}' is malformed: {e.Message}", retry: false, e); }
    }
}
