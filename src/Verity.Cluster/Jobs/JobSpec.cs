namespace Verity.Cluster.Jobs;

/// <summary>
/// What a client asks the cluster to do: prove (or only execute) one run of a program. Immutable once the job is
/// created; stored with the job as JSON (<see cref="ClusterJson"/>).
/// </summary>
public sealed record JobSpec
{
    /// <summary>The program's image id (64 hex digits); the ELF is in the blob store under <see cref="BlobKeys.Image"/>.</summary>
    public required string ImageId { get; init; }

    /// <summary>The input's id (64 hex digits, BLAKE3 of the bytes); stored under <see cref="BlobKeys.Input"/>.</summary>
    public required string InputId { get; init; }

    /// <summary>log2 of the segment size in cycles (4..24).</summary>
    public int SegmentPo2 { get; init; } = 20;

    /// <summary>Name of the STARK parameter set (see <c>verity params</c>).</summary>
    public string Parameters { get; init; } = "default";

    /// <summary>Preflight only: run the guest, report cycles, segments and journal; no proof.</summary>
    public bool ExecuteOnly { get; init; }

    /// <summary>Cycle limit for the run (the executor stops with an error past it).</summary>
    public long MaxCycles { get; init; } = 1L << 32;

    /// <summary>When the proof is due (of the order the job serves): earlier deadlines are scheduled first.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Tie-breaker after the deadline: higher first.</summary>
    public int Priority { get; init; }

    /// <summary>
    /// Simulated proving for load-testing the orchestration (never the default): the prove tasks sleep instead of
    /// proving and the receipt is a marked simulated receipt that <c>verify</c> refuses.
    /// </summary>
    public SimulationSpec? Simulation { get; init; }
}

/// <summary>Simulated proving: each prove task waits <see cref="TaskDelayMs"/> instead of proving.</summary>
public sealed record SimulationSpec
{
    public int TaskDelayMs { get; init; }
}
