using System.Numerics;

namespace Verity.Chain.Transactions;

/// <summary>The EIP-1559 fee fields of one transaction, in wei per gas.</summary>
public sealed record Fees(BigInteger MaxFeePerGas, BigInteger MaxPriorityFeePerGas)
{
    public override string ToString() => $"maxFee {Gwei(MaxFeePerGas)} gwei, tip {Gwei(MaxPriorityFeePerGas)} gwei";

    /// <summary>Wei as gwei with up to 9 decimals, for messages.</summary>
    public static string Gwei(BigInteger wei)
    {
        var whole = BigInteger.DivRem(wei, 1_000_000_000, out var rest);
        return rest.IsZero ? whole.ToString() : $"{whole}.{rest.ToString().PadLeft(9, '0').TrimEnd('0')}";
    }
}
