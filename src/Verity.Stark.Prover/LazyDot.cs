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
    private UInt128 _a0, _a1, _a2;
    private ulong _o0, _o1, _o2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong x, ulong w0, ulong w1, ulong w2)
    {
        UInt128 p0 = Math.BigMul(x, w0), p1 = Math.BigMul(x, w1), p2 = Math.BigMul(x, w2);
        _a0 += p0; if (_a0 < p0) _o0++;
        _a1 += p1; if (_a1 < p1) _o1++;
        _a2 += p2; if (_a2 < p2) _o2++;
    }

    public readonly Goldilocks3 Reduce() => new(Reduce(_a0, _o0), Reduce(_a1, _o1), Reduce(_a2, _o2));

    private static Goldilocks Reduce(UInt128 a, ulong overflows)
    {
        var r = new Goldilocks(Goldilocks.Reduce128((ulong)a, (ulong)(a >> 64)));
        return overflows == 0 ? r : r - Goldilocks.FromUInt64(overflows << 32);
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
