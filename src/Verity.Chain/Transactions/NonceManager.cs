using System.Numerics;

namespace Verity.Chain.Transactions;

/// <summary>What became of a nonce that was never broadcast successfully.</summary>
public enum NonceRelease
{
    /// <summary>It was the newest one handed out: the next transaction takes it again.</summary>
    Reclaimed,
    /// <summary>Later nonces are out: the caller must fill this one (a 0-value self-transfer) and then complete it.</summary>
    MustFill,
}

/// <summary>
/// Hands out the nonces of one key on one chain, one after another under a lock, starting from the node's
/// pending transaction count. Every nonce handed out ends in exactly one of <see cref="CompleteAsync"/> (used on
/// chain), <see cref="ReleaseAsync"/> (definitely not used) or <see cref="AbandonAsync"/> (unknown: gave up
/// waiting). Whenever nothing is in flight the counter is read from the node again, which recovers from dropped
/// transactions and from other users of the key without ever reusing a nonce that is still pending.
/// </summary>
public sealed class NonceManager
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SortedSet<BigInteger> _inFlight = [];
    private BigInteger? _next;

    internal NonceManager(BigInteger chainId, string address)
    {
        ChainId = chainId;
        Address = address;
    }

    public BigInteger ChainId { get; }
    public string Address { get; }

    /// <summary>The next nonce; <paramref name="pendingCount"/> reads eth_getTransactionCount(address, "pending").</summary>
    public async Task<BigInteger> TakeAsync(Func<CancellationToken, Task<BigInteger>> pendingCount, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // With nothing in flight the node's count is the truth: it covers transactions sent by another process
            // with this key, and a counter left from another chain that shares this chain id (two local devnets).
            // While transactions are in flight the local counter rules, so concurrent senders never collide.
            if (_next is null || _inFlight.Count == 0)
            {
                _next = await pendingCount(ct).ConfigureAwait(false);
            }
            var nonce = _next.Value;
            _next = nonce + 1;
            _inFlight.Add(nonce);
            return nonce;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The nonce is used on chain (mined, by this transaction or a replacement or filler).</summary>
    public Task CompleteAsync(BigInteger nonce) => Locked(() => _inFlight.Remove(nonce));

    /// <summary>
    /// The nonce was definitely not used (the node refused its only broadcast). Newest one out: reclaimed.
    /// Otherwise later transactions wait on it: the caller must fill it (<see cref="NonceRelease.MustFill"/>);
    /// it stays in flight until then.
    /// </summary>
    public Task<NonceRelease> ReleaseAsync(BigInteger nonce) => Locked(() =>
    {
        if (_next is { } next && nonce == next - 1)
        {
            _inFlight.Remove(nonce);
            _next = nonce;
            return NonceRelease.Reclaimed;
        }
        return NonceRelease.MustFill;
    });

    /// <summary>
    /// What became of the nonce is unknown (the sender gave up or was cancelled): it may still be mined, or it may
    /// have been dropped. The counter is read from the node again once nothing is in flight.
    /// </summary>
    public Task AbandonAsync(BigInteger nonce) => Locked(() =>
    {
        _inFlight.Remove(nonce);
        return true;
    });

    /// <summary>The node says a nonce is already used by a transaction this process did not send: skip past it.</summary>
    public async Task AdvanceAsync(BigInteger usedNonce, Func<CancellationToken, Task<BigInteger>> pendingCount, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _inFlight.Remove(usedNonce);
            var pending = await pendingCount(ct).ConfigureAwait(false);
            _next = BigInteger.Max(_next ?? pending, BigInteger.Max(pending, usedNonce + 1));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Nonces handed out and not yet completed, released or abandoned (for diagnostics and tests).</summary>
    public Task<BigInteger[]> InFlightAsync() => Locked(() => _inFlight.ToArray());

    private async Task<T> Locked<T>(Func<T> action)
    {
        // Not cancellable: settling a nonce must not be skipped because the caller gave up.
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            return action();
        }
        finally
        {
            _gate.Release();
        }
    }
}
