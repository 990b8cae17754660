using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Verity.Chain.Contracts;

/// <summary>The market's <c>RequestStatus</c> (docs/MARKET.md §2), in the same order.</summary>
public enum RequestStatus : byte
{
    Unknown = 0,
    Locked = 1,
    Fulfilled = 2,
    /// <summary>The lock expired and was slashed; not yet fulfilled or refunded.</summary>
    Slashed = 3,
    Refunded = 4,
}

/// <summary>Bits of <see cref="RequestLock.Flags"/>.</summary>
[Flags]
public enum RequestLockFlags : byte
{
    None = 0,
    Locked = 1,
    Fulfilled = 2,
    Slashed = 4,
    Refunded = 8,
}

/// <summary>The market's <c>RequestLock</c>: who locked, until when, at what price and collateral (the bounty after a slash).</summary>
public class RequestLock
{
    [Parameter("address", "prover", 1)] public string Prover { get; set; } = "";
    [Parameter("uint64", "lockDeadline", 2)] public ulong LockDeadline { get; set; }
    [Parameter("uint64", "deadline", 3)] public ulong Deadline { get; set; }
    [Parameter("uint96", "price", 4)] public BigInteger Price { get; set; }
    [Parameter("uint96", "collateral", 5)] public BigInteger Collateral { get; set; }
    [Parameter("bytes32", "requestDigest", 6)] public byte[] RequestDigest { get; set; } = new byte[32];
    [Parameter("uint8", "flags", 7)] public byte Flags { get; set; }

    public RequestLockFlags FlagSet => (RequestLockFlags)Flags;
}
