using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Verity.Chain.Contracts;

// VerityMarket's functions as Nethereum messages (contracts/src/VerityMarket.sol, docs/MARKET.md §2).

[Function("deposit")] public class DepositFunction : FunctionMessage { }

[Function("depositTo")]
public class DepositToFunction : FunctionMessage
{
    [Parameter("address", "account", 1)] public string Account { get; set; } = "";
}

[Function("withdraw")]
public class WithdrawFunction : FunctionMessage
{
    [Parameter("uint256", "amount", 1)] public BigInteger Amount { get; set; }
}

[Function("depositStake")]
public class DepositStakeFunction : FunctionMessage
{
    [Parameter("uint256", "amount", 1)] public BigInteger Amount { get; set; }
}

[Function("depositStakeWithPermit")]
public class DepositStakeWithPermitFunction : FunctionMessage
{
    [Parameter("uint256", "amount", 1)] public BigInteger Amount { get; set; }
    [Parameter("uint256", "deadline", 2)] public BigInteger Deadline { get; set; }
    [Parameter("uint8", "v", 3)] public byte V { get; set; }
    [Parameter("bytes32", "r", 4)] public byte[] R { get; set; } = new byte[32];
    [Parameter("bytes32", "s", 5)] public byte[] S { get; set; } = new byte[32];
}

[Function("withdrawStake")]
public class WithdrawStakeFunction : FunctionMessage
{
    [Parameter("uint256", "amount", 1)] public BigInteger Amount { get; set; }
}

[Function("submitRequest")]
public class SubmitRequestFunction : FunctionMessage
{
    [Parameter("tuple", "request", 1)] public ProofRequest Request { get; set; } = new();
    [Parameter("bytes", "clientSignature", 2)] public byte[] ClientSignature { get; set; } = [];
}

[Function("lockRequest")]
public class LockRequestFunction : FunctionMessage
{
    [Parameter("tuple", "request", 1)] public ProofRequest Request { get; set; } = new();
    [Parameter("bytes", "clientSignature", 2)] public byte[] ClientSignature { get; set; } = [];
}

[Function("fulfill")]
public class FulfillFunction : FunctionMessage
{
    [Parameter("tuple[]", "fills", 1)] public List<Fulfillment> Fills { get; set; } = [];
}

[Function("commitFulfillment")]
public class CommitFulfillmentFunction : FunctionMessage
{
    [Parameter("uint256[]", "ids", 1)] public List<BigInteger> Ids { get; set; } = [];
    [Parameter("bytes32", "commitment", 2)] public byte[] Commitment { get; set; } = new byte[32];
}

[Function("slash")]
public class SlashFunction : FunctionMessage
{
    [Parameter("uint256", "id", 1)] public BigInteger RequestId { get; set; }
}

[Function("refund")]
public class RefundFunction : FunctionMessage
{
    [Parameter("uint256", "id", 1)] public BigInteger RequestId { get; set; }
}

[Function("balanceOf", "uint256")]
public class MarketBalanceOfFunction : FunctionMessage
{
    [Parameter("address", "", 1)] public string Account { get; set; } = "";
}

[Function("stakeBalanceOf", "uint256")]
public class StakeBalanceOfFunction : FunctionMessage
{
    [Parameter("address", "", 1)] public string Account { get; set; } = "";
}

[Function("requestStatus", "uint8")]
public class RequestStatusFunction : FunctionMessage
{
    [Parameter("uint256", "id", 1)] public BigInteger RequestId { get; set; }
}

[Function("commitmentBlock", "uint256")]
public class CommitmentBlockFunction : FunctionMessage
{
    [Parameter("bytes32", "commitment", 1)] public byte[] Commitment { get; set; } = new byte[32];
}

[Function("lockBlockedUntil", "uint256")]
public class LockBlockedUntilFunction : FunctionMessage
{
    [Parameter("uint256", "id", 1)] public BigInteger RequestId { get; set; }
}

[Function("requestLock", typeof(RequestLockOutput))]
public class RequestLockFunction : FunctionMessage
{
    [Parameter("uint256", "id", 1)] public BigInteger RequestId { get; set; }
}

[FunctionOutput]
public class RequestLockOutput : IFunctionOutputDTO
{
    [Parameter("tuple", "", 1)] public RequestLock Lock { get; set; } = new();
}

[Function("priceAt", "uint256")]
public class PriceAtFunction : FunctionMessage
{
    [Parameter("tuple", "offer", 1)] public Offer Offer { get; set; } = new();
    [Parameter("uint64", "timestamp", 2)] public ulong Timestamp { get; set; }
}

[Function("hashRequest", "bytes32")]
public class HashRequestFunction : FunctionMessage
{
    [Parameter("tuple", "request", 1)] public ProofRequest Request { get; set; } = new();
}

[Function("eip712DomainSeparator", "bytes32")] public class Eip712DomainSeparatorFunction : FunctionMessage { }
[Function("STAKE_TOKEN", "address")] public class StakeTokenAddressFunction : FunctionMessage { }
[Function("ROUTER", "address")] public class RouterAddressFunction : FunctionMessage { }
[Function("SLASH_BURN_BPS", "uint256")] public class SlashBurnBpsFunction : FunctionMessage { }
[Function("MAX_BATCH", "uint256")] public class MaxBatchFunction : FunctionMessage { }
[Function("COMMIT_WINDOW", "uint256")] public class CommitWindowFunction : FunctionMessage { }

[Function("firstCommit", typeof(FirstCommitOutput))]
public class FirstCommitFunction : FunctionMessage
{
    [Parameter("uint256", "id", 1)] public BigInteger RequestId { get; set; }
}

/// <summary>firstCommit(id): the id's first live committer and the block of its latest commitment; (0x0, 0) when never.</summary>
[FunctionOutput]
public class FirstCommitOutput : IFunctionOutputDTO
{
    [Parameter("address", "", 1)] public string Committer { get; set; } = "";
    [Parameter("uint64", "", 2)] public ulong BlockNumber { get; set; }
}
