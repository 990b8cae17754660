using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Store;
using Verity.Crypto;
using Verity.Stark.Air.Parameters;
using Verity.Vm;
using Verity.Zkvm.Proving;

namespace Verity.Cluster.Broker;

/// <summary>
/// The client-facing side of the node: uploads, job creation, status, receipts and cancellation. Every request is
/// validated before anything is stored, so a rejected request (<see cref="ClientErrorException"/>) changes nothing.
/// </summary>
public sealed class JobService
{
    private readonly ITaskStore _store;
    private readonly IBlobStore _blobs;
    private readonly ClusterMetrics _metrics;
    private readonly BrokerOptions _options;
    private readonly TimeProvider _time;
    private readonly WorkSignal? _workAvailable;

    /// <param name="workAvailable">Notified when a job is created (the broker's <see cref="ProvingBroker.WorkAvailable"/>).</param>
    public JobService(ITaskStore store, IBlobStore blobs, ClusterMetrics metrics, BrokerOptions? options = null, TimeProvider? time = null,
        WorkSignal? workAvailable = null)
    {
        _workAvailable = workAvailable;
        _store = store;
        _blobs = blobs;
        _metrics = metrics;
        _options = options ?? new BrokerOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Stores an ELF under its image id after checking that it loads as an RV32IM program.</summary>
    public async Task<(ImageUploaded Image, bool Created)> UploadImageAsync(ReadOnlyMemory<byte> elf, string? expectedImageId = null, CancellationToken ct = default)
    {
        if (elf.Length == 0) throw ClientErrorException.BadRequest("the image is empty (expected an RV32IM ELF executable)");
        if (elf.Length > _options.MaxImageBytes) throw ClientErrorException.TooLarge($"the image is {elf.Length} bytes; the limit is {_options.MaxImageBytes}");
        ProgramImage image;
        try { image = ElfLoader.Load(elf.Span, _options.MaxImageMemoryBytes); }
        catch (ElfImageTooLargeException e) { throw ClientErrorException.TooLarge($"the image is too large for this node (Broker:MaxImageMemoryBytes): {e.Message}"); }
        catch (ElfFormatException e) { throw ClientErrorException.BadRequest($"malformed ELF: {e.Message}"); }
        string imageId = image.ImageId.ToHex();
        if (expectedImageId != null && !string.Equals(expectedImageId, imageId, StringComparison.OrdinalIgnoreCase))
            throw ClientErrorException.BadRequest($"the ELF's image id is {imageId}, not {expectedImageId}");
        string key = BlobKeys.Image(imageId);
        bool exists = await _blobs.ExistsAsync(key, ct).ConfigureAwait(false);
        if (!exists) await _blobs.PutAsync(key, elf, ct).ConfigureAwait(false);
        return (new ImageUploaded(imageId, elf.Length), !exists);
    }

    /// <summary>Stores an input under its id (BLAKE3 of the bytes, hex).</summary>
    public async Task<InputUploaded> UploadInputAsync(ReadOnlyMemory<byte> input, CancellationToken ct = default)
    {
        if (input.Length > _options.MaxInputBytes) throw ClientErrorException.TooLarge($"the input is {input.Length} bytes; the limit is {_options.MaxInputBytes}");
        string inputId = InputId(input.Span);
        string key = BlobKeys.Input(inputId);
        if (!await _blobs.ExistsAsync(key, ct).ConfigureAwait(false)) await _blobs.PutAsync(key, input, ct).ConfigureAwait(false);
        return new InputUploaded(inputId, input.Length);
    }

    public static string InputId(ReadOnlySpan<byte> input) => Blake3.Hash(input).ToHex();

    /// <summary>Validates the request against what is stored and creates the job with its first task.</summary>
    public async Task<JobCreated> CreateJobAsync(CreateJobRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string imageId = RequireHexId(request.ImageId, "imageId");
        string inputId = RequireHexId(request.InputId, "inputId");
        int po2 = request.SegmentPo2 ?? 20;
        if (!ZkvmProveOptions.IsSegmentPo2(po2)) throw ClientErrorException.BadRequest($"segmentPo2 {po2} is outside {ZkvmProveOptions.SegmentPo2Range}");
        string parameters = request.Parameters ?? "default";
        var stark = StarkParameters.Named.FirstOrDefault(p => p.Name == parameters)
            ?? throw ClientErrorException.BadRequest($"unknown parameter set '{parameters}' (known: {string.Join(", ", StarkParameters.Named.Select(p => p.Name))})");
        // A segment size the prover refuses for security fails here, not when the job has run its execute task.
        // Execute-only and simulated jobs make no proof, so the parameters' security does not apply to them.
        if (!request.ExecuteOnly && request.Simulation == null)
        {
            try { ReceiptSecurity.EnsureSegmentSize(stark, po2); }
            catch (InsufficientSecurityException e) { throw ClientErrorException.BadRequest($"segmentPo2 {po2}: {e.Message}"); }
        }
        long maxCycles = request.MaxCycles ?? 1L << 32;
        if (maxCycles < 1 || maxCycles >= 1L << 38) throw ClientErrorException.BadRequest($"maxCycles {maxCycles} is outside 1..2^38-1");
        // The per-job segment cap: declared limits that allow more segments are refused; the default limit is lowered to fit.
        long capCycles = (long)_options.MaxSegmentsPerJob << po2;
        if (!request.ExecuteOnly && maxCycles > capCycles)
        {
            if (request.MaxCycles is not null)
                throw ClientErrorException.BadRequest(
                    $"maxCycles {maxCycles} at segmentPo2 {po2} allows {(maxCycles + (1L << po2) - 1) >> po2} segments; this node proves at most " +
                    $"{_options.MaxSegmentsPerJob} per job (Broker:MaxSegmentsPerJob): lower maxCycles to {capCycles} or raise segmentPo2");
            maxCycles = capCycles;
        }
        if (request.Simulation is { } sim)
        {
            if (!_options.AllowSimulation) throw ClientErrorException.BadRequest("simulated proving is off on this node (Broker:AllowSimulation)");
            if (sim.TaskDelayMs is < 0 or > 3_600_000) throw ClientErrorException.BadRequest($"simulation.taskDelayMs {sim.TaskDelayMs} is outside 0..3600000");
        }
        var now = _time.GetUtcNow();
        if (request.Deadline is { } deadline && deadline <= now) throw ClientErrorException.BadRequest($"the deadline {deadline:O} has passed");
        if (!await _blobs.ExistsAsync(BlobKeys.Image(imageId), ct).ConfigureAwait(false))
            throw ClientErrorException.NotFound($"image {imageId} is not uploaded (POST /v1/images first)");
        if (!await _blobs.ExistsAsync(BlobKeys.Input(inputId), ct).ConfigureAwait(false))
            throw ClientErrorException.NotFound($"input {inputId} is not uploaded (POST /v1/inputs first)");

        var spec = new JobSpec
        {
            ImageId = imageId,
            InputId = inputId,
            SegmentPo2 = po2,
            Parameters = parameters,
            ExecuteOnly = request.ExecuteOnly,
            MaxCycles = maxCycles,
            Deadline = request.Deadline,
            Priority = request.Priority,
            Simulation = request.Simulation,
        };
        string jobId = TaskIds.NewJobId();
        try
        {
            await _store.CreateJobAsync(jobId, spec, JobPlanner.InitialTasks(spec), now, ct).ConfigureAwait(false);
        }
        catch (BlobBeingDeletedException e)
        {
            throw ClientErrorException.Conflict(e.Message);
        }
        // Cleanup may have deleted the image or input after the checks above but before its deletion claim (which this
        // job, once stored, blocks): the blobs are looked at again now that the job holds them.
        foreach (var (kind, id) in new[] { (SharedBlob.Image, imageId), (SharedBlob.Input, inputId) })
        {
            if (await _blobs.ExistsAsync(kind.Key(id), ct).ConfigureAwait(false)) continue;
            await _store.CancelJobAsync(jobId, _time.GetUtcNow(), $"its {kind.Name()} was deleted by cleanup while the job was created", ct).ConfigureAwait(false);
            throw ClientErrorException.NotFound($"{kind.Name()} {id} was deleted by cleanup while the job was created; upload it again and retry");
        }
        _metrics.JobCreated();
        _workAvailable?.Notify();
        return new JobCreated(jobId);
    }

    public async Task<JobStatusView> GetStatusAsync(string jobId, CancellationToken ct = default)
    {
        var job = await RequireJobAsync(jobId, ct).ConfigureAwait(false);
        var counts = await _store.GetTaskCountsAsync(jobId, ct).ConfigureAwait(false);
        return View(job, counts);
    }

    /// <summary>The receipt bytes (and records the download, which starts its retention clock).</summary>
    public async Task<byte[]> GetReceiptAsync(string jobId, CancellationToken ct = default)
    {
        var job = await RequireJobAsync(jobId, ct).ConfigureAwait(false);
        if (job.Spec.ExecuteOnly) throw ClientErrorException.Conflict($"job {jobId} is execute-only: it has no receipt (its journal is in the status)");
        if (job.State != JobState.Succeeded)
            throw ClientErrorException.Conflict(job.State == JobState.Running
                ? $"job {jobId} is still running; its receipt is not ready"
                : $"job {jobId} {job.State.Name()}: it has no receipt" + (job.Error != null ? $" ({job.Error})" : ""));
        if (job.BlobsDeletedAt != null) throw ClientErrorException.NotFound($"the receipt of job {jobId} has expired and was deleted");
        string key = BlobKeys.Receipt(jobId);
        byte[]? bytes;
        // A receipt is served only whole and intact: its digest (checked by the store) and the size finalize recorded.
        try { bytes = await _blobs.GetAsync(key, ct).ConfigureAwait(false); }
        catch (BlobCorruptedException e) { throw ReceiptCorrupted(jobId, e.Message); }
        if (bytes == null) throw ClientErrorException.NotFound($"the receipt of job {jobId} is missing from the blob store");
        if (job.ReceiptBytes is long recorded && recorded != bytes.Length)
            throw ReceiptCorrupted(jobId, $"blob '{key}' has {bytes.Length} bytes, but finalize recorded {recorded}");
        if (job.ReceiptFetchedAt == null) await _store.MarkReceiptFetchedAsync(jobId, _time.GetUtcNow(), ct).ConfigureAwait(false);
        return bytes;
    }

    private static ClientErrorException ReceiptCorrupted(string jobId, string detail) =>
        new(500, $"the receipt of job {jobId} is corrupted and will not be served: {detail}");

    public async Task<JobStatusView> CancelAsync(string jobId, CancellationToken ct = default)
    {
        var job = await RequireJobAsync(jobId, ct).ConfigureAwait(false);
        if (job.State.IsTerminal()) throw ClientErrorException.Conflict($"job {jobId} already {job.State.Name()}");
        await _store.CancelJobAsync(jobId, _time.GetUtcNow(), reason: null, ct).ConfigureAwait(false);
        return await GetStatusAsync(jobId, ct).ConfigureAwait(false);
    }

    private async Task<JobRecord> RequireJobAsync(string jobId, CancellationToken ct)
    {
        if (!TaskIds.IsValidJobId(jobId)) throw ClientErrorException.BadRequest($"'{jobId}' is not a job id (32 lowercase hex digits)");
        return await _store.GetJobAsync(jobId, ct).ConfigureAwait(false) ?? throw ClientErrorException.NotFound($"no job {jobId}");
    }

    private static string RequireHexId(string? value, string name)
    {
        if (string.IsNullOrEmpty(value)) throw ClientErrorException.BadRequest($"{name} is required");
        string v = value.ToLowerInvariant();
        if (v.Length != 64 || !v.All(char.IsAsciiHexDigit)) throw ClientErrorException.BadRequest($"{name} '{value}' is not 64 hex digits");
        return v;
    }

    internal static JobStatusView View(JobRecord job, IReadOnlyList<TaskCounts> counts) => new()
    {
        JobId = job.JobId,
        State = job.State,
        Error = job.Error,
        ImageId = job.Spec.ImageId,
        InputId = job.Spec.InputId,
        SegmentPo2 = job.Spec.SegmentPo2,
        Parameters = job.Spec.Parameters,
        ExecuteOnly = job.Spec.ExecuteOnly,
        Simulated = job.Spec.Simulation != null,
        CreatedAt = job.CreatedAt,
        FinishedAt = job.FinishedAt,
        Cycles = job.Execution?.Cycles,
        Segments = job.Execution?.Segments,
        ExitCode = job.Execution?.ExitCode,
        JournalHex = job.Execution?.JournalHex,
        ReceiptBytes = job.ReceiptBytes,
        Expired = job.BlobsDeletedAt != null,
        // Every type of the job's graph, even those not planned yet (prove and finalize before execute is done).
        Tasks = (job.Spec.ExecuteOnly ? [TaskType.Execute] : TaskTypes.All)
            .Select(t => counts.FirstOrDefault(c => c.Type == t) ?? new TaskCounts(t, new Dictionary<TaskState, int>()))
            .ToDictionary(c => c.Type.Name(), c => new TaskProgress
        {
            Total = c.Total,
            Pending = c.Count(TaskState.Pending),
            Ready = c.Count(TaskState.Ready),
            Running = c.Count(TaskState.Running),
            Done = c.Count(TaskState.Done),
            Failed = c.Count(TaskState.Failed),
            Cancelled = c.Count(TaskState.Cancelled),
        }),
        TaskRuns = counts.Sum(c => c.Runs),
        ExtraTaskRuns = counts.Sum(c => c.Reruns),
    };
}
