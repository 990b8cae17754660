using System.Numerics;
using Nethereum.RPC.Eth.DTOs;

namespace Verity.Chain.Transactions;

/// <summary>A transaction to send: <see cref="To"/> null deploys <see cref="Data"/> as a contract.</summary>
/// <param name="Label">what the transaction does, for logs and errors ("lock 0x…").</param>
public sealed record TransactionRequest(string? To, byte[] Data, BigInteger Value, string Label, BigInteger? GasLimit = null);

/// <summary>
/// Sends transactions from one key and waits for their receipts. The real one
/// (<see cref="TransactionSender"/>) signs EIP-1559 transactions locally, takes nonces from one nonce manager
/// per key, replaces a transaction that is not mined within its timeout and retries RPC errors.
/// </summary>
public interface ITransactionSender
{
    /// <summary>The checksummed address of the key.</summary>
    string Address { get; }

    /// <summary>
    /// Sends and waits for the receipt. A call the chain would revert is refused before anything is sent:
    /// <see cref="TransactionRevertedException"/> with the revert data; a mined transaction that reverted
    /// throws the same.
    /// </summary>
    Task<TransactionReceipt> SendAsync(TransactionRequest request, CancellationToken ct = default);
}

/// <summary>A transaction the chain refused to execute.</summary>
public sealed class TransactionRevertedException(string label, byte[]? revertData, string? reason, string? transactionHash = null)
    : Exception(reason is null ? $"{label} reverted" : $"{label} reverted: {reason}")
{
    public string Label { get; } = label;
    /// <summary>The raw revert data (a custom error's selector and arguments), when the node returned it.</summary>
    public byte[]? RevertData { get; } = revertData;
    /// <summary>The decoded reason: a custom error's name and arguments, or an Error(string) message.</summary>
    public string? Reason { get; } = reason;
    public string? TransactionHash { get; } = transactionHash;
}
