using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Crypto;
using Verity.Stark.Air.Parameters;
using Verity.Vm;
using Verity.Zkvm.Proving;

namespace Verity.Cluster.Runners;

/// <summary>
/// Reads and checks what every task starts from (the spec, the program, the input), turning each problem into a
/// <see cref="TaskFailedException"/> with the right retry verdict: a missing blob may appear later (eventual
/// consistency, a write still in flight), while a bad spec, a malformed ELF or a blob that does not hash to its id
/// stays wrong however often the task is retried.
/// </summary>
internal static class JobInputs
{
    /// <summary>Checks the spec's fields the runners depend on and returns its parameter set.</summary>
    public static StarkParameters CheckSpec(JobSpec spec)
    {
        CheckId(spec.ImageId, "image id");
        CheckId(spec.InputId, "input id");
        if (!ZkvmProveOptions.IsSegmentPo2(spec.SegmentPo2))
            throw new TaskFailedException($"job spec: segment po2 {spec.SegmentPo2} is outside {ZkvmProveOptions.SegmentPo2Range}", retry: false);
        if (spec.MaxCycles is < 1 or >= 1L << 38)
            throw new TaskFailedException($"job spec: max cycles {spec.MaxCycles} is outside 1..2^38-1", retry: false);
        if (spec.Simulation is { TaskDelayMs: < 0 } sim)
            throw new TaskFailedException($"job spec: simulation task delay {sim.TaskDelayMs} ms is negative", retry: false);
        try { return StarkParameters.FromName(spec.Parameters); }
        catch (ArgumentException e) { throw new TaskFailedException($"job spec: {e.Message}", retry: false, e); }
    }

    private static void CheckId(string? id, string what)
    {
        if (id is not { Length: 64 } || !id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
            throw new TaskFailedException($"job spec: {what} '{id}' is not 64 lowercase hex digits", retry: false);
    }

    /// <summary>The blob's bytes; a missing blob fails the task with retry (it may be a write not visible yet).</summary>
    public static async Task<byte[]> RequireBlobAsync(IBlobStore blobs, string key, string what, CancellationToken ct) =>
        await blobs.GetAsync(key, ct).ConfigureAwait(false)
        ?? throw new TaskFailedException($"blob '{key}' ({what}) is missing", retry: true);

    /// <summary>Loads the job's ELF and checks that it is the program the job names.</summary>
    public static async Task<ProgramImage> LoadImageAsync(IBlobStore blobs, JobSpec spec, CancellationToken ct)
    {
        string key = BlobKeys.Image(spec.ImageId);
        var elf = await RequireBlobAsync(blobs, key, "the program's ELF", ct).ConfigureAwait(false);
        ProgramImage image;
        // The node checked its own image limit at upload; the format's bound is what is left to check here.
        try { image = ElfLoader.Load(elf, ElfLoader.MaxImageBytes); }
        catch (ElfFormatException e) { throw new TaskFailedException($"image '{key}' is not a loadable RV32IM ELF: {e.Message}", retry: false, e); }
        if (image.ImageId.ToHex() != spec.ImageId)
            throw new TaskFailedException($"image '{key}' has image id {image.ImageId.ToHex()}, not the job's {spec.ImageId}", retry: false);
        return image;
    }

    /// <summary>Loads the job's input and checks that it hashes (BLAKE3) to the job's input id.</summary>
    public static async Task<byte[]> LoadInputAsync(IBlobStore blobs, JobSpec spec, CancellationToken ct)
    {
        string key = BlobKeys.Input(spec.InputId);
        var input = await RequireBlobAsync(blobs, key, "the guest's input", ct).ConfigureAwait(false);
        string id = Blake3.Hash(input).ToHex();
        if (id != spec.InputId)
            throw new TaskFailedException($"input '{key}' hashes to {id}, not the job's input id {spec.InputId}", retry: false);
        return input;
    }

    /// <summary>Runs the guest work, failing the task without retry on what a retry cannot change.</summary>
    public static T Guest<T>(Func<T> work)
    {
        try { return work(); }
        catch (ExecutionException e) { throw new TaskFailedException($"guest execution failed: {e.Message}", retry: false, e); }
        catch (ArgumentException e) { throw new TaskFailedException($"the program cannot be run: {e.Message}", retry: false, e); }
    }

    /// <summary>Preflight (the executor alone, no trace, no commitments), as <c>verity execute</c> runs it.</summary>
    public static ExecutionResult Preflight(ProgramImage image, byte[] input, JobSpec spec) =>
        Guest(() => Executor.Run(image, input, new ExecutionOptions { SegmentPo2 = spec.SegmentPo2, MaxCycles = spec.MaxCycles }));

    /// <summary>A preflight run of the task's job: its program and input, the executor's result and how long it took.</summary>
    public sealed record PreflightRun(ProgramImage Image, byte[] Input, ExecutionResult Result, double Ms)
    {
        public ExecuteTaskOutput Output() => new()
        {
            Cycles = Result.Cycles,
            Segments = Result.Segments.Count,
            ExitCode = Result.ExitCode,
            JournalHex = Convert.ToHexStringLower(Result.Journal),
            InputConsumed = Result.InputBytesRead,
            ExecuteMs = Ms,
        };
    }

    /// <summary>Loads the job's program and input and runs the executor alone (no commitments), off the caller's thread.</summary>
    public static async Task<PreflightRun> PreflightAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
    {
        var image = await LoadImageAsync(blobs, task.Spec, ct).ConfigureAwait(false);
        var input = await LoadInputAsync(blobs, task.Spec, ct).ConfigureAwait(false);
        progress.Report(0.1);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var result = await Task.Run(() => Preflight(image, input, task.Spec), ct).ConfigureAwait(false);
        return new PreflightRun(image, input, result, sw.Elapsed.TotalMilliseconds);
    }
}
