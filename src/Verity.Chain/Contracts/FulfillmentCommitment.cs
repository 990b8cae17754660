using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.Util;

namespace Verity.Chain.Contracts;

/// <summary>
/// The commit-reveal step of an open-path fill (docs/MARKET.md §2, "Commit-reveal"): a fill that pays its sender needs
/// a <c>commitFulfillment</c> of <c>keccak256(abi.encode(prover, fills))</c> mined in an earlier block, so a copy of the
/// fill sent by anyone else is refused, and nobody can lock the request ahead of the fill.
/// </summary>
public static class FulfillmentCommitment
{
    /// <summary>
    /// keccak256(abi.encode(prover, fills)): <paramref name="prover"/> is the address that will send the fill and
    /// <paramref name="fills"/> exactly the fills it will send, in that order.
    /// </summary>
    public static byte[] Compute(string prover, IReadOnlyList<Fulfillment> fills)
    {
        ArgumentNullException.ThrowIfNull(fills);
        if (!AddressUtil.Current.IsValidEthereumAddressHexFormat(prover))
            throw new ArgumentException($"the prover must be a 0x-prefixed 20-byte address, not \"{prover}\"", nameof(prover));
        // abi.encode(address, tuple[]) is the calldata of a function with those parameters, less its 4-byte selector.
        var encoded = new CommitmentPreimage { Prover = prover, Fills = [.. fills] }.GetCallData()[4..];
        return Sha3Keccack.Current.CalculateHash(encoded);
    }

    /// <summary>
    /// Whether a fill of a request in this state pays its sender and so needs a commitment: never locked, or locked with
    /// the lock deadline passed (a secondary fill), and not fulfilled. An in-time fill of a locked request pays the locker
    /// and needs none. <paramref name="now"/> is the timestamp the fill will be mined at (at least the latest block's).
    /// </summary>
    public static bool IsOpenPath(RequestLock state, ulong now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var flags = state.FlagSet;
        if (flags.HasFlag(RequestLockFlags.Fulfilled)) return false;
        return !flags.HasFlag(RequestLockFlags.Locked) || now > state.LockDeadline;
    }

    /// <summary>Only its ABI encoding is used; the name is never called.</summary>
    [Function("commitmentPreimage")]
    private sealed class CommitmentPreimage : FunctionMessage
    {
        [Parameter("address", "prover", 1)] public string Prover { get; set; } = "";
        [Parameter("tuple[]", "fills", 2)] public List<Fulfillment> Fills { get; set; } = [];
    }
}
