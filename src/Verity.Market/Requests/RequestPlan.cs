using System.Numerics;

namespace Verity.Market.Requests;

/// <summary>What a requestor asks for, before the request is built: the parts the command line gathers.</summary>
public sealed record RequestPlan
{
    /// <summary>The guest's ELF (its image id is computed here; the zkVM would compute the same).</summary>
    public required byte[] Elf { get; init; }
    /// <summary>Where provers fetch the ELF.</summary>
    public required string ImageUrl { get; init; }
    /// <summary>The input bytes (for the local run that names the journal).</summary>
    public required byte[] Input { get; init; }
    /// <summary>Non-null: the request carries this URL instead of the input bytes.</summary>
    public string? InputUrl { get; init; }
    /// <summary>Null: the journal digest from a local run (DigestMatch); else a PrefixMatch on these bytes.</summary>
    public byte[]? JournalPrefix { get; init; }
    public required BigInteger MinPrice { get; init; }
    public required BigInteger MaxPrice { get; init; }
    public required uint RampUpSeconds { get; init; }
    public required uint LockTimeoutSeconds { get; init; }
    public required uint TimeoutSeconds { get; init; }
    public required BigInteger LockCollateral { get; init; }
    /// <summary>The verifier selector the requestor accepts.</summary>
    public required byte[] Selector { get; init; }
    /// <summary>Seconds after the chain's time when the auction starts (time to get the request to provers).</summary>
    public uint BiddingDelaySeconds { get; init; } = 5;
    /// <summary>Cycles the local run may take.</summary>
    public long MaxCycles { get; init; } = 1L << 32;
}
