using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Verity.Chain.Contracts;

// VerityMarket's events (docs/MARKET.md §2). The request id is the first indexed topic of each request event.

[Event("Deposit")]
public class DepositEvent : IEventDTO
{
    [Parameter("address", "account", 1, true)] public string Account { get; set; } = "";
    [Parameter("uint256", "amount", 2, false)] public BigInteger Amount { get; set; }
}

[Event("Withdrawal")]
public class WithdrawalEvent : IEventDTO
{
    [Parameter("address", "account", 1, true)] public string Account { get; set; } = "";
    [Parameter("uint256", "amount", 2, false)] public BigInteger Amount { get; set; }
}

[Event("StakeDeposit")]
public class StakeDepositEvent : IEventDTO
{
    [Parameter("address", "account", 1, true)] public string Account { get; set; } = "";
    [Parameter("uint256", "amount", 2, false)] public BigInteger Amount { get; set; }
}

[Event("StakeWithdrawal")]
public class StakeWithdrawalEvent : IEventDTO
{
    [Parameter("address", "account", 1, true)] public string Account { get; set; } = "";
    [Parameter("uint256", "amount", 2, false)] public BigInteger Amount { get; set; }
}

[Event("RequestSubmitted")]
public class RequestSubmittedEvent : IEventDTO
{
    [Parameter("uint256", "requestId", 1, true)] public BigInteger RequestId { get; set; }
    [Parameter("tuple", "request", 2, false)] public ProofRequest Request { get; set; } = new();
    [Parameter("bytes", "clientSignature", 3, false)] public byte[] ClientSignature { get; set; } = [];
}

[Event("RequestLocked")]
public class RequestLockedEvent : IEventDTO
{
    [Parameter("uint256", "requestId", 1, true)] public BigInteger RequestId { get; set; }
    [Parameter("address", "prover", 2, true)] public string Prover { get; set; } = "";
    [Parameter("uint256", "price", 3, false)] public BigInteger Price { get; set; }
    [Parameter("bytes32", "requestDigest", 4, false)] public byte[] RequestDigest { get; set; } = new byte[32];
    [Parameter("tuple", "request", 5, false)] public ProofRequest Request { get; set; } = new();
    [Parameter("bytes", "clientSignature", 6, false)] public byte[] ClientSignature { get; set; } = [];
}

[Event("RequestFulfilled")]
public class RequestFulfilledEvent : IEventDTO
{
    [Parameter("uint256", "requestId", 1, true)] public BigInteger RequestId { get; set; }
    /// <summary>Who was paid: the locker for an in-time locked fill, otherwise the fill's sender.</summary>
    [Parameter("address", "prover", 2, true)] public string Prover { get; set; } = "";
    [Parameter("bytes32", "requestDigest", 3, false)] public byte[] RequestDigest { get; set; } = new byte[32];
    [Parameter("uint256", "payment", 4, false)] public BigInteger Payment { get; set; }
    [Parameter("uint256", "bounty", 5, false)] public BigInteger Bounty { get; set; }
    [Parameter("bytes", "journal", 6, false)] public byte[] Journal { get; set; } = [];
    [Parameter("bytes", "seal", 7, false)] public byte[] Seal { get; set; } = [];
}

/// <summary>One per committed request id: a fill for it by <see cref="Prover"/> is committed; locks are refused a while.</summary>
[Event("FulfillmentCommitted")]
public class FulfillmentCommittedEvent : IEventDTO
{
    [Parameter("uint256", "requestId", 1, true)] public BigInteger RequestId { get; set; }
    [Parameter("address", "prover", 2, true)] public string Prover { get; set; } = "";
    [Parameter("bytes32", "commitment", 3, false)] public byte[] Commitment { get; set; } = new byte[32];
}

[Event("ProverSlashed")]
public class ProverSlashedEvent : IEventDTO
{
    [Parameter("uint256", "requestId", 1, true)] public BigInteger RequestId { get; set; }
    [Parameter("address", "prover", 2, true)] public string Prover { get; set; } = "";
    [Parameter("uint256", "burned", 3, false)] public BigInteger Burned { get; set; }
    [Parameter("uint256", "bounty", 4, false)] public BigInteger Bounty { get; set; }
}

[Event("RequestRefunded")]
public class RequestRefundedEvent : IEventDTO
{
    [Parameter("uint256", "requestId", 1, true)] public BigInteger RequestId { get; set; }
    [Parameter("address", "requestor", 2, true)] public string Requestor { get; set; } = "";
    [Parameter("uint256", "price", 3, false)] public BigInteger Price { get; set; }
    [Parameter("uint256", "bounty", 4, false)] public BigInteger Bounty { get; set; }
}
