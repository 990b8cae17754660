using System.Numerics;

namespace Verity.Chain.Transactions;

/// <summary>
/// A transaction that was not mined: the node refused it (insufficient funds, fee below base fee …) or it was
/// replaced <see cref="TransactionOptions.MaxReplacements"/> times without a receipt. A revert is
/// <see cref="TransactionRevertedException"/> instead.
/// </summary>
public sealed class TransactionFailedException(string message, string label, BigInteger? nonce, IReadOnlyList<string> hashes, Exception? inner = null)
    : Exception(message, inner)
{
    public string Label { get; } = label;
    /// <summary>The nonce it was sent with, when it got one.</summary>
    public BigInteger? Nonce { get; } = nonce;
    /// <summary>Every hash broadcast for it (the original and its replacements).</summary>
    public IReadOnlyList<string> Hashes { get; } = hashes;
}
