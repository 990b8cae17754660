using System.Numerics;

namespace Verity.Chain.Transactions;

/// <summary>A transaction would need a max fee per gas above the configured cap (<see cref="TransactionOptions.MaxFeePerGas"/>).</summary>
public sealed class FeeCapExceededException(string label, BigInteger needed, BigInteger cap, string why)
    : Exception($"{label}: refusing to pay maxFeePerGas {Fees.Gwei(needed)} gwei ({why}): above the configured cap of {Fees.Gwei(cap)} gwei")
{
    public string Label { get; } = label;
    public BigInteger Needed { get; } = needed;
    public BigInteger Cap { get; } = cap;
}
