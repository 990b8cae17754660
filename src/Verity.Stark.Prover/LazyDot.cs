using System.Runtime.CompilerServices;
using Verity.Algebra;

namespace Verity.Stark.Prover;

/// <summary>
/// Dot products of base-field vectors with extension-field weights (held as three base
/// vectors), reducing once at the end: each term is one 64×64→128 multiplication and a 128-bit
/// add, with overflows of the 128-bit accumulator counted separately. Used where the prover
/// combines whole rows (DEEP) or whole columns (OOD evaluation).
/// </summary>
internal static class LazyDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks3 BaseExt(ReadOnlySpan<Goldilocks> v, ReadOnlySpan<Goldilocks> w0, ReadOnlySpan<Goldilocks> w1, ReadOnlySpan<Goldilocks> w2)
    {
        UInt128 a0 = 0, a1 = 0, a2 = 0;
        ulong o0 = 0, o1 = 0, o2 = 0;
        w0 = w0[..v.Length]; w1 = w1[..v.Length]; w2 = w2[..v.Length];
        for (int j = 0; j < v.Length; j++)
        {
            ulong x = v[j].Value;
            UInt128 p0 = Math.BigMul(x, w0[j].Value), p1 = Math.BigMul(x, w1[j].Value), p2 = Math.BigMul(x, w2[j].Value);
            a0 += p0; if (a0 < p0) o0++;
            a1 += p1; if (a1 < p1) o1++;
            a2 += p2; if (a2 < p2) o2++;
        }
        return new Goldilocks3(Reduce(a0, o0), Reduce(a1, o1), Reduce(a2, o2));
    }

    /// <summary>Reduces overflows·2^128 + acc, using 2^128 ≡ −2^32 (mod p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Goldilocks Reduce(UInt128 acc, ulong overflows)
    {
        var r = new Goldilocks(Goldilocks.Reduce128((ulong)acc, (ulong)(acc >> 64)));
        return overflows == 0 ? r : r - Goldilocks.FromUInt64(overflows << 32);
    }

    /// <summary>Splits extension elements into their three base components.</summary>
    public static (Goldilocks[] W0, Goldilocks[] W1, Goldilocks[] W2) Split(ReadOnlySpan<Goldilocks3> w)
    {
        var w0 = new Goldilocks[w.Length]; var w1 = new Goldilocks[w.Length]; var w2 = new Goldilocks[w.Length];
        for (int i = 0; i < w.Length; i++) { w0[i] = w[i].C0; w1[i] = w[i].C1; w2[i] = w[i].C2; }
        return (w0, w1, w2);
    }
}
