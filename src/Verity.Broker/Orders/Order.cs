using System.Numerics;
using Verity.Chain.Contracts;

namespace Verity.Broker.Orders;

/// <summary>
/// One request as this broker sees it, stored whole (docs/BROKER.md §2–3). Immutable: a service changes an order by
/// storing a copy (<c>with</c>) through <see cref="Store.IBrokerStore.UpdateOrderAsync"/>, which succeeds only if the
/// stored state is still the one the service read — two services never both move the same order.
/// Times are chain time (unix seconds, the block timestamps the market judges by) unless named otherwise.
/// </summary>
public sealed record Order
{
    /// <summary><c>0x{request id, 64 hex}-{EIP-712 digest, 64 hex}-{fulfilment type}</c>: one request body, one way to earn.</summary>
    public required string Id { get; init; }
    public required BigInteger RequestId { get; init; }
    /// <summary>The requestor (the id's top 160 bits), lower-case 0x hex.</summary>
    public required string Requestor { get; init; }
    public required ProofRequest Request { get; init; }
    public required byte[] Signature { get; init; }
    /// <summary>The request's EIP-712 digest on this market.</summary>
    public required byte[] RequestDigest { get; init; }
    /// <summary>"chain" (RequestSubmitted / RequestLocked events) or "order-stream".</summary>
    public required string Source { get; init; }
    public required FulfillmentType Type { get; init; }
    public required OrderState State { get; init; }
    /// <summary>Wall-clock time the broker first saw it (for <c>observation_time</c> ordering and latency metrics).</summary>
    public required DateTimeOffset ObservedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Skip, loss or failure reason code (<see cref="ReasonCodes"/>) and its detail.</summary>
    public string? Reason { get; init; }
    public string? ReasonDetail { get; init; }

    // Preflight
    public string? ImageId { get; init; }
    public long? Cycles { get; init; }
    public string? JournalHex { get; init; }
    public string? PreflightJobId { get; init; }

    // Pricing
    /// <summary>The least price this broker takes (wei), from the quote policy.</summary>
    public BigInteger? MinimumPrice { get; init; }
    /// <summary>Chain time at which the auction reaches <see cref="MinimumPrice"/>: lock then or later.</summary>
    public ulong? TargetTime { get; init; }
    /// <summary>Priority requestor (locked first, bypasses max_mcycle_limit).</summary>
    public bool Priority { get; init; }

    // Locking
    public string? LockTransaction { get; init; }
    public BigInteger? LockPrice { get; init; }
    public BigInteger? LockCollateral { get; init; }
    public ulong? LockBlock { get; init; }

    // Proving
    public string? ProvingJobId { get; init; }
    public int ProvingAttempts { get; init; }
    public DateTimeOffset? ProvingStartedAt { get; init; }
    public DateTimeOffset? ProvedAt { get; init; }

    // Submission
    public long? BatchId { get; init; }
    public string? FulfillTransaction { get; init; }
    public DateTimeOffset? FulfilledAt { get; init; }

    // Accounting (wei; stake-token units for collateral)
    public BigInteger GasSpentWei { get; init; }
    public BigInteger EarnedWei { get; init; }
    /// <summary>Stake-token bounty earned by a secondary fulfilment.</summary>
    public BigInteger BountyEarned { get; init; }
    public bool Slashed { get; init; }

    /// <summary>When this order's work must be on chain: the lock deadline for a lock, the deadline for a secondary fill.</summary>
    public ulong Expiry => Type == FulfillmentType.LockAndFulfill ? Request.Offer.LockDeadline : Request.Offer.Deadline;

    public static string MakeId(BigInteger requestId, ReadOnlySpan<byte> digest, FulfillmentType type) =>
        $"{RequestIds.Hex(requestId)}-0x{Convert.ToHexStringLower(digest)}-{type.Name()}";
}

/// <summary>Request ids as the broker writes them: 0x and 64 lower-case hex digits.</summary>
public static class RequestIds
{
    public static string Hex(BigInteger id) => "0x" + id.ToString("x64")[^64..];
}
