using System.Numerics;

namespace Verity.Chain.Transactions;

/// <summary>A step of <see cref="TransactionSender.SendAsync"/>, reported to <see cref="TransactionSender.OnProgress"/>.</summary>
public enum TransactionStage
{
    /// <summary>Signed with its nonce, about to be broadcast for the first time.</summary>
    Signed,
    /// <summary>The first broadcast was accepted.</summary>
    Broadcast,
    /// <summary>Not mined within the timeout: a replacement with the same nonce and higher fees was broadcast.</summary>
    Replaced,
    /// <summary>The node no longer knew the transaction (dropped from its pool): broadcast again unchanged.</summary>
    Rebroadcast,
    /// <summary>A receipt arrived (the hash is the transaction that was mined).</summary>
    Mined,
}

/// <param name="Hash">the transaction hash of this step.</param>
public sealed record TransactionProgress(TransactionStage Stage, string Label, BigInteger Nonce, string Hash, Fees Fees);
