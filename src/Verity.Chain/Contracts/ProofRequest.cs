using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Verity.Chain.Contracts;

// The market's request types, field for field as contracts/src/MarketTypes.sol declares them
// (docs/MARKET.md §1). The Nethereum attributes make these the ABI tuples of the contract calls.

/// <summary>How a journal must look for a fulfilment to count.</summary>
public enum PredicateType : byte
{
    /// <summary><c>data</c> is 32 bytes: sha256(journal).</summary>
    DigestMatch = 0,
    /// <summary><c>data</c> is a prefix of the journal.</summary>
    PrefixMatch = 1,
}

/// <summary>Where the guest's private input comes from.</summary>
public enum InputType : byte
{
    Inline = 0,
    /// <summary><c>data</c> is a UTF-8 URL (http, https or file).</summary>
    Url = 1,
}

public class Predicate
{
    [Parameter("uint8", "predicateType", 1)] public byte PredicateType { get; set; }
    [Parameter("bytes", "data", 2)] public byte[] Data { get; set; } = [];
}

public class Requirements
{
    [Parameter("bytes32", "imageId", 1)] public byte[] ImageId { get; set; } = new byte[32];
    [Parameter("tuple", "predicate", 2)] public Predicate Predicate { get; set; } = new();
    [Parameter("bytes4", "selector", 3)] public byte[] Selector { get; set; } = new byte[4];
}

public class RequestInput
{
    [Parameter("uint8", "inputType", 1)] public byte InputType { get; set; }
    [Parameter("bytes", "data", 2)] public byte[] Data { get; set; } = [];
}

public class Offer
{
    [Parameter("uint256", "minPrice", 1)] public BigInteger MinPrice { get; set; }
    [Parameter("uint256", "maxPrice", 2)] public BigInteger MaxPrice { get; set; }
    [Parameter("uint64", "biddingStart", 3)] public ulong BiddingStart { get; set; }
    [Parameter("uint32", "rampUpPeriod", 4)] public uint RampUpPeriod { get; set; }
    [Parameter("uint32", "lockTimeout", 5)] public uint LockTimeout { get; set; }
    [Parameter("uint32", "timeout", 6)] public uint Timeout { get; set; }
    [Parameter("uint256", "lockCollateral", 7)] public BigInteger LockCollateral { get; set; }

    public ulong LockDeadline => BiddingStart + LockTimeout;
    public ulong Deadline => BiddingStart + Timeout;

    /// <summary>The auction price at <paramref name="timestamp"/> (the contract's <c>priceAt</c>).</summary>
    public BigInteger PriceAt(ulong timestamp)
    {
        if (timestamp <= BiddingStart) return MinPrice;
        if (timestamp > LockDeadline) return BigInteger.Zero;
        if (timestamp < BiddingStart + RampUpPeriod)
            return MinPrice + (MaxPrice - MinPrice) * (timestamp - BiddingStart) / RampUpPeriod;
        return MaxPrice;
    }

    /// <summary>Why the contract would refuse this offer (<c>InvalidRequest</c>), or null when it is valid.</summary>
    public string? Problem()
    {
        var limit = BigInteger.One << 96;
        if (MinPrice < 0 || MinPrice > MaxPrice) return "minPrice must be between 0 and maxPrice";
        if (MaxPrice >= limit) return "maxPrice must be below 2^96 wei";
        if (LockCollateral <= 0 || LockCollateral >= limit) return "lockCollateral must be positive (a lock without collateral is a free option) and below 2^96";
        if (LockTimeout == 0) return "lockTimeout must be positive";
        if (RampUpPeriod > LockTimeout) return "rampUpPeriod must not exceed lockTimeout";
        if (LockTimeout > Timeout) return "lockTimeout must not exceed timeout";
        return null;
    }
}

public class ProofRequest
{
    [Parameter("uint256", "id", 1)] public BigInteger Id { get; set; }
    [Parameter("tuple", "requirements", 2)] public Requirements Requirements { get; set; } = new();
    [Parameter("string", "imageUrl", 3)] public string ImageUrl { get; set; } = "";
    [Parameter("tuple", "input", 4)] public RequestInput Input { get; set; } = new();
    [Parameter("tuple", "offer", 5)] public Offer Offer { get; set; } = new();
}

public class Fulfillment
{
    [Parameter("tuple", "request", 1)] public ProofRequest Request { get; set; } = new();
    [Parameter("bytes", "clientSignature", 2)] public byte[] ClientSignature { get; set; } = [];
    [Parameter("bytes", "journal", 3)] public byte[] Journal { get; set; } = [];
    [Parameter("bytes", "seal", 4)] public byte[] Seal { get; set; } = [];
}
