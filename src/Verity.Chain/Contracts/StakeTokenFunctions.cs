using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Verity.Chain.Contracts;

// StakeToken's functions (ERC-20 + EIP-2612 + the faucet; contracts/src/StakeToken.sol).

[Function("balanceOf", "uint256")]
public class TokenBalanceOfFunction : FunctionMessage
{
    [Parameter("address", "account", 1)] public string Account { get; set; } = "";
}

[Function("totalSupply", "uint256")] public class TotalSupplyFunction : FunctionMessage { }

[Function("allowance", "uint256")]
public class AllowanceFunction : FunctionMessage
{
    [Parameter("address", "owner", 1)] public string Owner { get; set; } = "";
    [Parameter("address", "spender", 2)] public string Spender { get; set; } = "";
}

[Function("approve", "bool")]
public class ApproveFunction : FunctionMessage
{
    [Parameter("address", "spender", 1)] public string Spender { get; set; } = "";
    [Parameter("uint256", "value", 2)] public BigInteger Value { get; set; }
}

[Function("transfer", "bool")]
public class TransferFunction : FunctionMessage
{
    [Parameter("address", "to", 1)] public string To { get; set; } = "";
    [Parameter("uint256", "value", 2)] public BigInteger Value { get; set; }
}

[Function("faucet")]
public class FaucetFunction : FunctionMessage
{
    [Parameter("uint256", "amount", 1)] public BigInteger Amount { get; set; }
}

[Function("mint")]
public class MintFunction : FunctionMessage
{
    [Parameter("address", "to", 1)] public string To { get; set; } = "";
    [Parameter("uint256", "amount", 2)] public BigInteger Amount { get; set; }
}

/// <summary>EIP-2612 nonce of an owner (the C# name avoids FunctionMessage.Nonce, the transaction nonce).</summary>
[Function("nonces", "uint256")]
public class NoncesFunction : FunctionMessage
{
    [Parameter("address", "owner", 1)] public string Owner { get; set; } = "";
}

[Function("DOMAIN_SEPARATOR", "bytes32")] public class DomainSeparatorFunction : FunctionMessage { }

[Event("Transfer")]
public class TransferEvent : IEventDTO
{
    [Parameter("address", "from", 1, true)] public string From { get; set; } = "";
    [Parameter("address", "to", 2, true)] public string To { get; set; } = "";
    [Parameter("uint256", "value", 3, false)] public BigInteger Value { get; set; }
}
