using System.Collections.Concurrent;
using System.Diagnostics;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Prover;
using Verity.Stark.Verifier;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;

namespace Verity.Cluster.Runners;

/// <summary>
/// Runs the tasks of a zkVM proving job (DESIGN §2) with the real prover, through the blob store:
/// <list type="bullet">
/// <item>execute: checks the ELF against the job's image id and the input against its input id, runs
/// <see cref="ZkvmTasks.Execute"/> and stores the <see cref="ExecutedRun"/> at <see cref="BlobKeys.Run"/>; for an
/// execute-only job it runs the preflight executor alone and stores nothing.</item>
/// <item>prove i: segment i (i &lt; segments) or the memory table (i == segments), stored at <see cref="BlobKeys.Proof"/>.</item>
/// <item>finalize: assembles the receipt, verifies it against the job's image id and parameters and stores it at
/// <see cref="BlobKeys.Receipt"/>; a receipt that does not verify fails the task for good.</item>
/// </list>
/// Simulated jobs (<see cref="JobSpec.Simulation"/>) go to the simulated runner. Per-job state (image, input, executed
/// run with its plan) stays in a <see cref="RunCache"/> so a job's later tasks in this process skip reloading and
/// re-planning; prover workspaces are pooled, so one runner may serve several workers at once (each concurrent proof
/// gets its own workspace) and the cache may be shared between runners.
/// </summary>
public sealed class ZkvmTaskRunner : ITaskRunner
{
    /// <summary>Parallel blob reads when finalize gathers the proofs.</summary>
    private const int ParallelReads = 8;

    private readonly RunCache _cache;
    private readonly SimulatedTaskRunner _simulated = new();
    private readonly ConcurrentBag<ProverWorkspace> _workspaces = [];

    public ZkvmTaskRunner(RunCache? cache = null) => _cache = cache ?? new RunCache();

    /// <summary>The per-job cache (shared with other runners when passed in).</summary>
    public RunCache Cache => _cache;

    public async Task<string> RunAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(progress);
        var parameters = JobInputs.CheckSpec(task.Spec);
        if (task.Spec.ExecuteOnly)
        {
            if (task.Type != TaskType.Execute)
                throw new TaskFailedException($"job {task.JobId} is execute-only and has no {task.Type.Name()} tasks", retry: false);
            return await PreflightAsync(task, blobs, progress, ct).ConfigureAwait(false);
        }
        if (task.Spec.Simulation != null) return await _simulated.RunAsync(task, blobs, progress, ct).ConfigureAwait(false);
        return task.Type switch
        {
            TaskType.Execute => await ExecuteAsync(task, blobs, parameters, progress, ct).ConfigureAwait(false),
            TaskType.Prove => await ProveAsync(task, blobs, parameters, progress, ct).ConfigureAwait(false),
            TaskType.Finalize => await FinalizeAsync(task, blobs, parameters, progress, ct).ConfigureAwait(false),
            _ => throw new TaskFailedException($"unknown task type {task.Type}", retry: false),
        };
    }

    /// <summary>Execute-only jobs: the executor alone, as <c>verity execute</c> runs it; nothing is stored.</summary>
    private static async Task<string> PreflightAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
    {
        var preflight = await JobInputs.PreflightAsync(task, blobs, progress, ct).ConfigureAwait(false);
        progress.Report(1);
        return ClusterJson.Serialize(preflight.Output());
    }

    private async Task<string> ExecuteAsync(ClaimedTask task, IBlobStore blobs, StarkParameters parameters,
        IProgress<double> progress, CancellationToken ct)
    {
        var job = await ContextAsync(task, blobs, parameters, ct).ConfigureAwait(false);
        progress.Report(0.05);
        var sw = Stopwatch.StartNew();
        var run = await Task.Run(() => JobInputs.Guest(() => ZkvmTasks.Execute(job.Image, job.Input, job.Options)), ct).ConfigureAwait(false);
        double ms = sw.Elapsed.TotalMilliseconds;
        // Left in the cache with its plan: this process's prove tasks of the job then start proving at once.
        job.Run = run;
        progress.Report(0.9);
        await blobs.PutAsync(BlobKeys.Run(task.JobId), run.ToBytes(), ct).ConfigureAwait(false);
        progress.Report(1);
        return ClusterJson.Serialize(new ExecuteTaskOutput
        {
            Cycles = run.Cycles,
            Segments = run.SegmentCount,
            ExitCode = run.ExitCode,
            JournalHex = Convert.ToHexStringLower(run.Journal),
            InputConsumed = run.InputConsumed,
            ExecuteMs = ms,
        });
    }

    private async Task<string> ProveAsync(ClaimedTask task, IBlobStore blobs, StarkParameters parameters,
        IProgress<double> progress, CancellationToken ct)
    {
        var job = await ContextAsync(task, blobs, parameters, ct).ConfigureAwait(false);
        var run = await RunOfAsync(job, blobs, ct).ConfigureAwait(false);
        CheckProveIndex(task, run.SegmentCount);
        progress.Report(0.05);
        var sw = Stopwatch.StartNew();
        var proof = await Task.Run(() => WithWorkspace(workspace => task.Index < run.SegmentCount
            ? ZkvmTasks.ProveSegment(job.Image, job.Input, run, task.Index, job.Options, workspace)
            : ZkvmTasks.ProveMemory(job.Image, job.Input, run, job.Options, workspace)), ct).ConfigureAwait(false);
        double ms = sw.Elapsed.TotalMilliseconds;
        progress.Report(0.95);
        var bytes = ProofCodec.Serialize(proof);
        await blobs.PutAsync(BlobKeys.Proof(task.JobId, task.Index), bytes, ct).ConfigureAwait(false);
        progress.Report(1);
        return ClusterJson.Serialize(new ProveTaskOutput { ProofBytes = bytes.Length, ProveMs = ms });
    }

    private async Task<string> FinalizeAsync(ClaimedTask task, IBlobStore blobs, StarkParameters parameters,
        IProgress<double> progress, CancellationToken ct)
    {
        var job = await ContextAsync(task, blobs, parameters, ct).ConfigureAwait(false);
        var run = await RunOfAsync(job, blobs, ct).ConfigureAwait(false);
        int segments = run.SegmentCount;
        if (task.Segments != 0 && task.Segments != segments)
            throw new TaskFailedException($"the finalize task expects {task.Segments} segments, the executed run has {segments}", retry: false);
        var proofs = new StarkProof[segments + 1];
        // A proof that is missing, corrupted or undecodable is made again (the node re-runs its prove task and this
        // task waits for it), not the end of the job.
        var bad = new ConcurrentBag<(int Index, string Why)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, segments + 1), new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = ct },
            async (i, token) =>
            {
                string key = BlobKeys.Proof(task.JobId, i);
                string what = i < segments ? $"proof of segment {i}" : "memory proof";
                byte[]? bytes;
                try { bytes = await blobs.GetAsync(key, token).ConfigureAwait(false); }
                catch (BlobCorruptedException e) { bad.Add((i, $"the {what}: {e.Message}")); return; }
                if (bytes is null) { bad.Add((i, $"the {what} (blob '{key}') is missing")); return; }
                try { proofs[i] = ProofCodec.Deserialize(bytes); }
                catch (ProofFormatException e) { bad.Add((i, $"the {what} (blob '{key}') is not a valid proof: {e.Message}")); }
            }).ConfigureAwait(false);
        if (!bad.IsEmpty) throw ProofsToRedo(bad);
        progress.Report(0.3);

        var receipt = JobInputs.Guest(() => ZkvmTasks.Assemble(job.Image, job.Input, run, proofs[..segments], proofs[segments]));
        var receiptBytes = ReceiptCodec.Serialize(receipt);
        progress.Report(0.4);
        // The receipt is checked as a client will check it: decoded from its bytes, against the job's program and
        // parameters (insecure sets are accepted only because the job asked for them).
        var sw = Stopwatch.StartNew();
        var options = parameters.IsInsecure ? VerifierOptions.InsecureForTests : VerifierOptions.Default;
        var verdict = await Task.Run(() => ZkvmVerifier.Verify(receiptBytes, job.Image.ImageId, parameters, options), ct).ConfigureAwait(false);
        double ms = sw.Elapsed.TotalMilliseconds;
        if (!verdict.IsValid) throw new TaskFailedException($"the assembled receipt does not verify: {verdict.Error}", retry: false);
        progress.Report(0.95);
        await blobs.PutAsync(BlobKeys.Receipt(task.JobId), receiptBytes, ct).ConfigureAwait(false);
        _cache.Remove(task.JobId); // the job needs nothing more from this process
        progress.Report(1);
        return ClusterJson.Serialize(new FinalizeTaskOutput { ReceiptBytes = receiptBytes.Length, VerifyMs = ms, Simulated = false });
    }

    /// <summary>The error of a finalize task that found proofs unusable: names them (the first few) and asks for their
    /// prove tasks to run again.</summary>
    internal static TaskFailedException ProofsToRedo(IEnumerable<(int Index, string Why)> bad)
    {
        var list = bad.OrderBy(b => b.Index).ToList();
        string shown = string.Join("; ", list.Take(4).Select(b => b.Why)) + (list.Count > 4 ? $"; and {list.Count - 4} more" : "");
        return new TaskFailedException($"{list.Count} proof(s) must be made again: {shown}", retry: true,
            redo: list.Select(b => new TaskRef(TaskType.Prove, b.Index)).ToList());
    }

    /// <summary>Checks a prove task's index against the run: 0..segments-1 are segments, segments is the memory proof.</summary>
    internal static void CheckProveIndex(ClaimedTask task, int segments)
    {
        if (task.Segments != 0 && task.Segments != segments)
            throw new TaskFailedException($"prove task {task.Index} expects {task.Segments} segments, the executed run has {segments}", retry: false);
        if (task.Index < 0 || task.Index > segments)
            throw new TaskFailedException($"prove task index {task.Index} is outside 0..{segments} (segments, then the memory proof)", retry: false);
    }

    /// <summary>The job's cached state, or a fresh one from the image and input blobs (then cached).</summary>
    private async Task<JobContext> ContextAsync(ClaimedTask task, IBlobStore blobs, StarkParameters parameters, CancellationToken ct)
    {
        if (_cache.Get(task.JobId, task.Spec) is { } cached) return cached;
        var image = await JobInputs.LoadImageAsync(blobs, task.Spec, ct).ConfigureAwait(false);
        var input = await JobInputs.LoadInputAsync(blobs, task.Spec, ct).ConfigureAwait(false);
        var options = new ZkvmProveOptions { SegmentPo2 = task.Spec.SegmentPo2, Parameters = parameters, MaxCycles = task.Spec.MaxCycles };
        var job = new JobContext(task.JobId, task.Spec, image, input, options);
        _cache.Put(job);
        return job;
    }

    /// <summary>The job's executed run: the one in the cache, or the run blob deserialized (then kept in the cache).</summary>
    private static async Task<ExecutedRun> RunOfAsync(JobContext job, IBlobStore blobs, CancellationToken ct)
    {
        if (job.Run is { } known) return known;
        string key = BlobKeys.Run(job.JobId);
        byte[] bytes;
        try { bytes = await JobInputs.RequireBlobAsync(blobs, key, "the executed run", ct).ConfigureAwait(false); }
        catch (BlobCorruptedException e) { throw new TaskFailedException($"the executed run is unusable: {e.Message}", retry: false, e); }
        ExecutedRun run;
        try { run = ExecutedRun.FromBytes(bytes); }
        catch (FormatException e) { throw new TaskFailedException($"run blob '{key}' is malformed: {e.Message}", retry: false, e); }
        if (run.SegmentPo2 != job.Spec.SegmentPo2)
            throw new TaskFailedException($"run blob '{key}' was executed with segment po2 {run.SegmentPo2}, the job says {job.Spec.SegmentPo2}", retry: false);
        // Two tasks of the job may load it at once; either copy serves, and the first one stored wins.
        lock (job) return job.Run ??= run;
    }

    private T WithWorkspace<T>(Func<ProverWorkspace, T> prove)
    {
        // A workspace keeps large buffers between proofs and is not thread-safe: each concurrent proof takes its own.
        var workspace = _workspaces.TryTake(out var w) ? w : new ProverWorkspace();
        try { return JobInputs.Guest(() => prove(workspace)); }
        finally { _workspaces.Add(workspace); }
    }
}
