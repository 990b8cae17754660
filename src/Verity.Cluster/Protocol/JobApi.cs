using Verity.Cluster.Jobs;

namespace Verity.Cluster.Protocol;

/// <summary>
/// The REST API for clients (close to the Bonsai/Bento shape), all under /v1 with the client's key in the
/// <c>x-api-key</c> header:
/// <list type="bullet">
/// <item>POST /v1/images (body: the ELF) → 201 <see cref="ImageUploaded"/> (200 if it was there); PUT /v1/images/{imageId}
/// does the same and checks the id.</item>
/// <item>POST /v1/inputs (body: the bytes) → 201 <see cref="InputUploaded"/>.</item>
/// <item>POST /v1/jobs (<see cref="CreateJobRequest"/>) → 201 <see cref="JobCreated"/>.</item>
/// <item>GET /v1/jobs/{id} → <see cref="JobStatusView"/>; GET /v1/jobs/{id}/receipt → the receipt bytes;
/// POST /v1/jobs/{id}/cancel → the status after cancelling.</item>
/// </list>
/// Errors are 4xx with <see cref="ApiError"/>; nothing is stored on a rejected request.
/// </summary>
public static class JobApi
{
    public const string ApiKeyHeader = "x-api-key";
}

public sealed record ImageUploaded(string ImageId, long Bytes);

public sealed record InputUploaded(string InputId, long Bytes);

public sealed record CreateJobRequest
{
    public string? ImageId { get; init; }
    public string? InputId { get; init; }
    public int? SegmentPo2 { get; init; }
    public string? Parameters { get; init; }
    public bool ExecuteOnly { get; init; }
    public long? MaxCycles { get; init; }
    public DateTimeOffset? Deadline { get; init; }
    public int Priority { get; init; }
    /// <summary>Simulated proving (load tests only); refused unless the node allows it.</summary>
    public SimulationSpec? Simulation { get; init; }
}

public sealed record JobCreated(string JobId);

public sealed record ApiError(string Error);

/// <summary>Per-type task progress of a job.</summary>
public sealed record TaskProgress
{
    public int Total { get; init; }
    public int Pending { get; init; }
    public int Ready { get; init; }
    public int Running { get; init; }
    public int Done { get; init; }
    public int Failed { get; init; }
    public int Cancelled { get; init; }
}

/// <summary>A job's status as the API shows it.</summary>
public sealed record JobStatusView
{
    public required string JobId { get; init; }
    public required JobState State { get; init; }
    public string? Error { get; init; }
    public required string ImageId { get; init; }
    public required string InputId { get; init; }
    public int SegmentPo2 { get; init; }
    public string Parameters { get; init; } = "";
    public bool ExecuteOnly { get; init; }
    public bool Simulated { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public long? Cycles { get; init; }
    public int? Segments { get; init; }
    public int? ExitCode { get; init; }
    public string? JournalHex { get; init; }
    public long? ReceiptBytes { get; init; }
    /// <summary>True once the job's blobs (receipt included) were deleted by the lifecycle.</summary>
    public bool Expired { get; init; }
    public required IReadOnlyDictionary<string, TaskProgress> Tasks { get; init; }
    /// <summary>Times the job's tasks were leased to agents (attempts, as the store counts them), all types together.</summary>
    public int TaskRuns { get; init; }
    /// <summary>Attempts beyond each task's first: work re-run after failures, expired leases or crashes (0 on a clean run).</summary>
    public int ExtraTaskRuns { get; init; }
}
