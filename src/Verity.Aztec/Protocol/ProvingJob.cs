namespace Verity.Aztec.Protocol;

/// <summary>
/// One proving job as Aztec's prover node enqueues it (<c>ProvingJob</c> in stdlib's <c>proving-job.ts</c>). The id is
/// Aztec's own ("epoch:TYPE:sha256 of the inputs"); <see cref="InputsUri"/> is opaque to Verity — an inline
/// <c>data:</c> URI or a reference into the operator's proof store — and is stored and handed to agents unread.
/// </summary>
public sealed record ProvingJob(string Id, ProvingRequestType Type, long EpochNumber, string InputsUri);

/// <summary>What an agent is given: the job and the broker's clock in ms, which becomes the agent's <c>startedAt</c>.</summary>
public sealed record JobOffer(ProvingJob Job, long Time);

/// <summary>A job's state as the protocol reports it (<c>ProvingJobStatus</c>).</summary>
public sealed record ProvingJobStatus(string Status, string? Value = null, string? Reason = null)
{
    public static readonly ProvingJobStatus InQueue = new("in-queue");
    public static readonly ProvingJobStatus InProgress = new("in-progress");
    public static readonly ProvingJobStatus NotFound = new("not-found");

    public static ProvingJobStatus Fulfilled(string value) => new("fulfilled", Value: value);

    public static ProvingJobStatus Rejected(string reason) => new("rejected", Reason: reason);
}

/// <summary>Which job types an agent takes (<c>ProvingJobFilter.allowList</c>); empty means every type.</summary>
public sealed record ProvingJobFilter(IReadOnlyList<ProvingRequestType> AllowList)
{
    public static readonly ProvingJobFilter All = new([]);
}
