using Verity.Aztec.Protocol;

namespace Verity.Aztec.Store;

/// <summary>One stored job, without its inputs (a listing row; the inputs may be several MiB).</summary>
public sealed record AztecJobSummary(
    string Id, ProvingRequestType Type, long EpochNumber, AztecJobState State, int Attempts, int Timeouts,
    long CreatedAtMs, long EnqueuedAtMs, long? StartedAtMs, long? UpdatedAtMs, long? SettledAtMs, string? Reason, string? LastError);

/// <summary>The columns the broker's decisions read when it holds a job's row.</summary>
internal sealed class AztecJobRow
{
    public string Id { get; init; } = "";
    public int Type { get; init; }
    public long Epoch { get; init; }
    public string InputsUri { get; init; } = "";
    public int State { get; init; }
    public int Attempts { get; init; }
    public long Beats { get; init; }
    public long? StartedAt { get; init; }
    public long EnqueuedAt { get; init; }
    public string? Result { get; init; }
    public string? Reason { get; init; }

    public AztecJobState JobState => (AztecJobState)State;

    public ProvingJob ToJob() => new(Id, (ProvingRequestType)Type, Epoch, InputsUri);
}

/// <summary>Jobs by type and state (the metrics gauge and the status table).</summary>
public sealed record AztecJobCounts(IReadOnlyDictionary<(ProvingRequestType Type, AztecJobState State), long> ByTypeAndState);
