using System.Numerics;

namespace Verity.Market.Devnet;

/// <summary>
/// How the devnet's <see cref="RequestorBot"/> draws requests. The defaults suit this repository's 2-core test machine:
/// small guests (thousands to tens of thousands of cycles), lock timeouts of one to two minutes, deadlines within about
/// three minutes of submission, so that a run of <c>verity devnet --orders 6</c> ends in a few minutes.
/// </summary>
public sealed record RequestorBotOptions
{
    /// <summary>Seeds every random choice (guest, input, offer, impossible or not, off-chain or not).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Requests per minute (wall clock).</summary>
    public double RatePerMinute { get; init; } = 6;

    /// <summary>The share of requests whose deadline no prover can meet (<see cref="ImpossibleHz"/>).</summary>
    public double ImpossibleFraction { get; init; } = 0.1;

    /// <summary>The share sent to the order stream (signed, off-chain); the rest are submitted on chain.</summary>
    public double OffChainFraction { get; init; } = 0.5;

    public BigInteger MinMaxPrice { get; init; } = BigInteger.Pow(10, 15);      // 0.001 ETH
    public BigInteger MaxMaxPrice { get; init; } = 5 * BigInteger.Pow(10, 15);  // 0.005 ETH
    public BigInteger MinCollateral { get; init; } = BigInteger.Pow(10, 18);    // 1 stake token
    public BigInteger MaxCollateral { get; init; } = 5 * BigInteger.Pow(10, 18); // 5 stake tokens
    public uint BiddingDelaySeconds { get; init; } = 3;
    public uint RampUpSeconds { get; init; } = 20;
    public uint MinLockTimeoutSeconds { get; init; } = 75;
    public uint MaxLockTimeoutSeconds { get; init; } = 105;
    /// <summary>The deadline is the lock deadline plus this much more (a window for a secondary fulfilment).</summary>
    public uint MinExtraTimeoutSeconds { get; init; } = 30;
    public uint MaxExtraTimeoutSeconds { get; init; } = 60;

    /// <summary>
    /// A proving speed no prover reaches: this zkVM proves at tens of kHz on a CPU, so a request needing more than
    /// 1 MHz between its submission and its deadline cannot be fulfilled.
    /// </summary>
    public const double ImpossibleHz = 1_000_000;

    /// <summary>An impossible request's deadline: this many seconds after the chain time it was built at.</summary>
    public uint ImpossibleWindowSeconds { get; init; } = 4;

    /// <summary>An impossible request runs the loop guest this many iterations (about 18 cycles each).</summary>
    public uint ImpossibleLoopIterations { get; init; } = 1_000_000;

    /// <summary>Why these options cannot work, or null.</summary>
    public string? Problem()
    {
        if (RatePerMinute is <= 0 or > 600 || double.IsNaN(RatePerMinute)) return $"the rate must be in (0, 600] requests per minute, got {RatePerMinute}";
        if (ImpossibleFraction is < 0 or > 1) return $"the impossible fraction must be in 0..1, got {ImpossibleFraction}";
        if (OffChainFraction is < 0 or > 1) return $"the off-chain fraction must be in 0..1, got {OffChainFraction}";
        if (MinMaxPrice <= 0 || MinMaxPrice > MaxMaxPrice) return "need 0 < MinMaxPrice ≤ MaxMaxPrice";
        if (MinCollateral <= 0 || MinCollateral > MaxCollateral) return "need 0 < MinCollateral ≤ MaxCollateral";
        if (MinLockTimeoutSeconds == 0 || MinLockTimeoutSeconds > MaxLockTimeoutSeconds) return "need 0 < MinLockTimeoutSeconds ≤ MaxLockTimeoutSeconds";
        if (RampUpSeconds > MinLockTimeoutSeconds) return "the ramp-up must not exceed the lock timeout";
        if (MinExtraTimeoutSeconds > MaxExtraTimeoutSeconds) return "need MinExtraTimeoutSeconds ≤ MaxExtraTimeoutSeconds";
        if (ImpossibleWindowSeconds == 0) return "the impossible window must be positive";
        if ((double)ImpossibleLoopIterations * 18 <= ImpossibleWindowSeconds * ImpossibleHz)
            return "ImpossibleLoopIterations is too small for the impossible window: such a request would not be impossible";
        return null;
    }
}
