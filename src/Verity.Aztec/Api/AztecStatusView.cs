using Verity.Aztec.Protocol;
using Verity.Aztec.Store;

namespace Verity.Aztec.Api;

/// <summary>
/// What <c>GET /v1/aztec/status</c> answers (and <c>verity aztec status</c> prints): the endpoint's settings, job counts
/// by Aztec type name and state, and the newest jobs.
/// </summary>
public sealed record AztecStatusView(string Listen, int JobTimeoutMs, int MaxAttempts, long EpochHeight,
    IReadOnlyList<AztecTypeCounts> Types, IReadOnlyList<AztecJobView> Jobs);

/// <summary>Jobs of one type by state.</summary>
public sealed record AztecTypeCounts(string Type, long Queued, long InProgress, long Fulfilled, long Rejected);

/// <summary>One job, without its inputs; times are Unix ms.</summary>
public sealed record AztecJobView(string Id, string Type, long Epoch, string State, int Attempts, int Timeouts,
    long CreatedAt, long? StartedAt, long? SettledAt, string? Reason, string? LastError)
{
    public static AztecJobView From(AztecJobSummary s) => new(s.Id, s.Type.ToString(), s.EpochNumber, s.State.Name(), s.Attempts, s.Timeouts,
        s.CreatedAtMs, s.StartedAtMs, s.SettledAtMs, s.Reason, s.LastError);

    /// <summary>Counts per type, types with no jobs left out, in dispatch order.</summary>
    public static IReadOnlyList<AztecTypeCounts> Tally(AztecJobCounts counts) =>
        [.. ProvingRequestTypes.PriorityOrder
            .Select(t => new AztecTypeCounts(t.ToString(),
                counts.ByTypeAndState.GetValueOrDefault((t, AztecJobState.Queued)),
                counts.ByTypeAndState.GetValueOrDefault((t, AztecJobState.InProgress)),
                counts.ByTypeAndState.GetValueOrDefault((t, AztecJobState.Fulfilled)),
                counts.ByTypeAndState.GetValueOrDefault((t, AztecJobState.Rejected))))
            .Where(c => c.Queued + c.InProgress + c.Fulfilled + c.Rejected > 0)];
}
