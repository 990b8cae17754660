using System.Numerics;
using Verity.Broker.Config;

namespace Verity.Broker.Pricing;

/// <summary>What a quote policy is asked (docs/BROKER.md §4.2): the request, its preflight and the market now.</summary>
public sealed record QuoteRequest
{
    public required BigInteger RequestId { get; init; }
    public required string Requestor { get; init; }
    /// <summary>0x hex.</summary>
    public required string ImageId { get; init; }
    public required long Cycles { get; init; }
    public required int JournalBytes { get; init; }
    public required ulong LockDeadline { get; init; }
    public required ulong Deadline { get; init; }
    /// <summary>The auction price at the next block (wei).</summary>
    public required BigInteger CurrentPrice { get; init; }
    public required BigInteger MinPrice { get; init; }
    public required BigInteger MaxPrice { get; init; }
    /// <summary>Lock collateral (stake-token units).</summary>
    public required BigInteger Collateral { get; init; }
    /// <summary>Gas to lock (or commit) and fulfil, at today's gas price (wei).</summary>
    public required BigInteger GasCost { get; init; }
    /// <summary>lock_and_fulfill or fulfill_after_lock_expire.</summary>
    public required string FulfillmentType { get; init; }
    public required ulong ChainTime { get; init; }
}

/// <summary>A quote policy's answer: the least price it takes, no bid (with why), or a failure (with what went wrong).</summary>
public sealed record QuoteResult(BigInteger? MinimumPrice, string? NoBid, string? Failure)
{
    public static QuoteResult Bid(BigInteger minimum) => new(minimum, null, null);
    public static QuoteResult Decline(string reason) => new(null, reason, null);
    public static QuoteResult Failed(string what) => new(null, null, what);
}

/// <summary>
/// Decides the least price this broker takes for a preflighted request. Implementations never throw for a bad or
/// missing answer (that is <see cref="QuoteResult.Failed"/>, S-021); they throw only when cancelled.
/// </summary>
public interface IQuotePolicy
{
    Task<QuoteResult> QuoteAsync(QuoteRequest request, BrokerConfig config, CancellationToken ct);
}
