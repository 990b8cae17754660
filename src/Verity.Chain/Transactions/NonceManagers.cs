using System.Collections.Concurrent;
using System.Numerics;

namespace Verity.Chain.Transactions;

/// <summary>
/// One <see cref="NonceManager"/> per (chain id, genesis block, address). <see cref="Shared"/> is the process-wide
/// registry every sender uses by default, so two senders for the same key on the same chain never hand out the same
/// nonce, while two devnets with the same chain id and keys (anvil's) in one process keep theirs apart.
/// </summary>
public sealed class NonceManagers
{
    private readonly ConcurrentDictionary<(BigInteger ChainId, string Genesis, string Address), NonceManager> _managers = new();

    public static NonceManagers Shared { get; } = new();

    /// <param name="genesis">the chain's genesis block hash: tells apart chains that share a chain id (devnets)</param>
    public NonceManager For(BigInteger chainId, string genesis, string address) =>
        _managers.GetOrAdd((chainId, genesis.ToLowerInvariant(), address.ToLowerInvariant()), k => new NonceManager(k.ChainId, address));
}
