using System.Collections.Concurrent;
using System.Numerics;

namespace Verity.Chain.Transactions;

/// <summary>
/// One <see cref="NonceManager"/> per (chain id, address). <see cref="Shared"/> is the process-wide registry every
/// sender uses by default, so two senders for the same key never hand out the same nonce. Tests that run several
/// anvils with the same chain id and keys give each its own registry.
/// </summary>
public sealed class NonceManagers
{
    private readonly ConcurrentDictionary<(BigInteger ChainId, string Address), NonceManager> _managers = new();

    public static NonceManagers Shared { get; } = new();

    public NonceManager For(BigInteger chainId, string address) =>
        _managers.GetOrAdd((chainId, address.ToLowerInvariant()), k => new NonceManager(k.ChainId, address));
}
