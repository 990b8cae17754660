using Verity.Broker.Orders;
using Verity.Chain.Contracts;

namespace Verity.Broker.Api;

/// <summary>An order as the REST API and <c>verity orders</c> show it: amounts as decimal strings (wei, stake-token units).</summary>
public sealed record OrderView
{
    public required string Id { get; init; }
    public required string RequestId { get; init; }
    public required string Requestor { get; init; }
    public required string Type { get; init; }
    public required string State { get; init; }
    public required string Source { get; init; }
    public string? Reason { get; init; }
    public string? ReasonMeaning { get; init; }
    public string? ReasonDetail { get; init; }
    public string? ImageId { get; init; }
    public long? Cycles { get; init; }
    public string? JournalHex { get; init; }
    public string? MinimumPrice { get; init; }
    public ulong? TargetTime { get; init; }
    public required string MinPrice { get; init; }
    public required string MaxPrice { get; init; }
    public required string Collateral { get; init; }
    public required ulong LockDeadline { get; init; }
    public required ulong Deadline { get; init; }
    public string? LockPrice { get; init; }
    public string? LockTransaction { get; init; }
    public string? ProvingJobId { get; init; }
    public int ProvingAttempts { get; init; }
    public long? BatchId { get; init; }
    public string? FulfillTransaction { get; init; }
    public required string GasSpentWei { get; init; }
    public required string EarnedWei { get; init; }
    public required string BountyEarned { get; init; }
    public bool Slashed { get; init; }
    public bool Priority { get; init; }
    public required DateTimeOffset ObservedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>The order's history (only in the single-order view).</summary>
    public IReadOnlyList<OrderEvent>? History { get; init; }

    public static OrderView From(Order o, IReadOnlyList<OrderEvent>? history = null) => new()
    {
        Id = o.Id,
        RequestId = Chain.Contracts.RequestId.Format(o.RequestId),
        Requestor = o.Requestor,
        Type = o.Type.Name(),
        State = o.State.Name(),
        Source = o.Source,
        Reason = o.Reason,
        ReasonMeaning = o.Reason is null ? null : ReasonCodes.Describe(o.Reason),
        ReasonDetail = o.ReasonDetail,
        ImageId = o.ImageId,
        Cycles = o.Cycles,
        JournalHex = o.JournalHex,
        MinimumPrice = o.MinimumPrice?.ToString(),
        TargetTime = o.TargetTime,
        MinPrice = o.Request.Offer.MinPrice.ToString(),
        MaxPrice = o.Request.Offer.MaxPrice.ToString(),
        Collateral = o.Request.Offer.LockCollateral.ToString(),
        LockDeadline = o.Request.Offer.LockDeadline,
        Deadline = o.Request.Offer.Deadline,
        LockPrice = o.LockPrice?.ToString(),
        LockTransaction = o.LockTransaction,
        ProvingJobId = o.ProvingJobId,
        ProvingAttempts = o.ProvingAttempts,
        BatchId = o.BatchId,
        FulfillTransaction = o.FulfillTransaction,
        GasSpentWei = o.GasSpentWei.ToString(),
        EarnedWei = o.EarnedWei.ToString(),
        BountyEarned = o.BountyEarned.ToString(),
        Slashed = o.Slashed,
        Priority = o.Priority,
        ObservedAt = o.ObservedAt,
        UpdatedAt = o.UpdatedAt,
        History = history,
    };
}
