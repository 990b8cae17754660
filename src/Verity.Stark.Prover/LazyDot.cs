using System.Runtime.CompilerServices;
using Verity.Algebra;

namespace Verity.Stark.Prover;

/// <summary>
/// Σ xᵢ·wᵢ with base-field xᵢ and extension-field weights wᵢ, reduced once at the end: each term
/// is three 64×64→128 multiplications and 128-bit adds, with overflows of the 128-bit sums
/// counted separately (2^128 ≡ −2^32 mod p folds them back in).
/// </summary>
internal struct LazyAccumulator
{
    // Three (lo, hi, top) sums. hi of a product of canonical values is ≤ 2^64 − 2^33, so adding the
    // carry out of lo never wraps it; only hi's own wrap is counted in top. The comparisons compile
    // to flag moves, not branches (UInt128's overflow test branched, unpredictably).
    private ulong _l0, _h0, _t0, _l1, _h1, _t1, _l2, _h2, _t2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong x, ulong w0, ulong w1, ulong w2)
    {
        Accumulate(x, w0, ref _l0, ref _h0, ref _t0);
        Accumulate(x, w1, ref _l1, ref _h1, ref _t1);
        Accumulate(x, w2, ref _l2, ref _h2, ref _t2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ulong x, ulong w, ref ulong lo, ref ulong hi, ref ulong top)
    {
        ulong h = Math.BigMul(x, w, out ulong l);
        lo += l;
        h += lo < l ? 1UL : 0UL;
        hi += h;
        top += hi < h ? 1UL : 0UL;
    }

    public readonly Goldilocks3 Reduce() => new(Reduce(_l0, _h0, _t0), Reduce(_l1, _h1, _t1), Reduce(_l2, _h2, _t2));

    /// <summary>top·2^128 + hi·2^64 + lo, using 2^128 ≡ −2^32 (mod p).</summary>
    private static Goldilocks Reduce(ulong lo, ulong hi, ulong top)
    {
        var r = new Goldilocks(Goldilocks.Reduce128(lo, hi));
        return top == 0 ? r : r - Goldilocks.FromUInt64(top << 32);
    }
}

/// <summary>Dot products of base vectors with extension weights held as three base vectors (DEEP rows, OOD columns).</summary>
internal static class LazyDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks3 BaseExt(ReadOnlySpan<Goldilocks> v, ReadOnlySpan<Goldilocks> w0, ReadOnlySpan<Goldilocks> w1, ReadOnlySpan<Goldilocks> w2)
    {
        var acc = default(LazyAccumulator);
        w0 = w0[..v.Length]; w1 = w1[..v.Length]; w2 = w2[..v.Length];
        for (int j = 0; j < v.Length; j++) acc.Add(v[j].Value, w0[j].Value, w1[j].Value, w2[j].Value);
        return acc.Reduce();
    }

    /// <summary>Splits extension elements into their three base components.</summary>
    public static (Goldilocks[] W0, Goldilocks[] W1, Goldilocks[] W2) Split(ReadOnlySpan<Goldilocks3> w)
    {
        var w0 = new Goldilocks[w.Length]; var w1 = new Goldilocks[w.Length]; var w2 = new Goldilocks[w.Length];
        for (int i = 0; i < w.Length; i++) { w0[i] = w[i].C0; w1[i] = w[i].C1; w2[i] = w[i].C2; }
        return (w0, w1, w2);
    }
}
