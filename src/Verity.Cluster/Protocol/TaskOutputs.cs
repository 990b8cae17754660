namespace Verity.Cluster.Protocol;

/// <summary>The execute task's output (becomes the job's <see cref="Jobs.ExecutionSummary"/>).</summary>
public sealed record ExecuteTaskOutput
{
    public long Cycles { get; init; }
    public int Segments { get; init; }
    public int ExitCode { get; init; }
    public string JournalHex { get; init; } = "";
    public long InputConsumed { get; init; }
    public double ExecuteMs { get; init; }
}

/// <summary>A prove task's output; the proof itself is in the blob store (<see cref="Blobs.BlobKeys.Proof"/>).</summary>
public sealed record ProveTaskOutput
{
    public long ProofBytes { get; init; }
    public double ProveMs { get; init; }
}

/// <summary>The finalize task's output; the receipt is in the blob store (<see cref="Blobs.BlobKeys.Receipt"/>).</summary>
public sealed record FinalizeTaskOutput
{
    public long ReceiptBytes { get; init; }
    public double VerifyMs { get; init; }
    /// <summary>True when the receipt is a simulated one (no proof).</summary>
    public bool Simulated { get; init; }
}
