using System.Numerics;
using FsCheck;
using FsCheck.Fluent;

namespace Verity.Algebra.Tests;

/// <summary>BigInteger models of the fields, and generators biased towards edge values.</summary>
internal static class Reference
{
    public static readonly BigInteger P = Goldilocks.Modulus;

    public static BigInteger Mod(BigInteger x)
    {
        BigInteger r = x % P;
        return r.Sign < 0 ? r + P : r;
    }

    public static BigInteger Big(Goldilocks g) => g.Value;

    public static Goldilocks Field(BigInteger x) => new((ulong)Mod(x));

    /// <summary>Values where carries, borrows and reductions change behaviour.</summary>
    public static readonly ulong[] EdgeValues =
    [
        0, 1, 2, 3,
        Goldilocks.Modulus - 1, Goldilocks.Modulus - 2,
        1UL << 32, (1UL << 32) - 1, (1UL << 32) + 1,
        1UL << 63, (1UL << 63) - 1, (1UL << 63) + 1,
        1UL << 48, 1UL << 16,
        0xFFFF_FFFE_FFFF_FFFF, 0xFFFF_FFFE_0000_0000, 0x8000_0000_FFFF_FFFF,
    ];

    /// <summary>Raw 64-bit inputs for <see cref="Goldilocks.FromUInt64"/>, including everything near 2^64.</summary>
    public static readonly ulong[] EdgeUInt64 =
    [
        .. EdgeValues,
        Goldilocks.Modulus, Goldilocks.Modulus + 1, Goldilocks.Modulus + 2,
        ulong.MaxValue, ulong.MaxValue - 1, ulong.MaxValue - (1UL << 32) + 1,
    ];

    public static Gen<ulong> AnyUInt64 =>
        Gen.Frequency(
            (1, Gen.Elements(EdgeUInt64)),
            (4, Gen.Two(Gen.Choose(int.MinValue, int.MaxValue)).Select(t => ((ulong)(uint)t.Item1 << 32) | (uint)t.Item2)));

    public static Gen<Goldilocks> Element =>
        Gen.Frequency(
            (1, Gen.Elements(EdgeValues).Select(v => new Goldilocks(v))),
            (4, AnyUInt64.Select(Goldilocks.FromUInt64)));

    public static Gen<Goldilocks> NonZeroElement => Element.Where(g => !g.IsZero);

    public static Arbitrary<Goldilocks> ArbElement => Element.ToArbitrary();

    public static Arbitrary<(Goldilocks, Goldilocks)> ArbPair => Gen.Two(Element).ToArbitrary();

    public static Gen<Goldilocks3> Element3 =>
        Gen.Frequency(
            (1, Gen.Elements(Goldilocks3.Zero, Goldilocks3.One, new Goldilocks3(Goldilocks.Zero, Goldilocks.One, Goldilocks.Zero), new Goldilocks3(new Goldilocks(Goldilocks.Modulus - 1)))),
            (6, Gen.Three(Element).Select(t => new Goldilocks3(t.Item1, t.Item2, t.Item3))));

    public static Arbitrary<Goldilocks3> ArbElement3 => Element3.ToArbitrary();

    public static Arbitrary<(Goldilocks3, Goldilocks3)> ArbPair3 => Gen.Two(Element3).ToArbitrary();

    // Cubic extension: coefficient arrays [c0, c1, c2] modulo x³ − x − 1.
    public static BigInteger[] Big3(Goldilocks3 a) => [a.C0.Value, a.C1.Value, a.C2.Value];

    public static Goldilocks3 Field3(BigInteger[] c) => new(Field(c[0]), Field(c[1]), Field(c[2]));

    public static BigInteger[] Mul3(BigInteger[] a, BigInteger[] b)
    {
        var product = new BigInteger[5];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) product[i + j] += a[i] * b[j];
        return Reduce3(product);
    }

    /// <summary>Reduces a polynomial of any degree modulo x³ − x − 1 (x^k = x^(k−2) + x^(k−3)).</summary>
    public static BigInteger[] Reduce3(BigInteger[] poly)
    {
        var c = (BigInteger[])poly.Clone();
        for (int k = c.Length - 1; k >= 3; k--)
        {
            c[k - 2] += c[k];
            c[k - 3] += c[k];
            c[k] = 0;
        }
        return [Mod(c[0]), Mod(c.Length > 1 ? c[1] : 0), Mod(c.Length > 2 ? c[2] : 0)];
    }

    public static BigInteger[] Pow3(BigInteger[] a, BigInteger e)
    {
        BigInteger[] result = [1, 0, 0], b = a;
        while (e > 0)
        {
            if (!e.IsEven) result = Mul3(result, b);
            b = Mul3(b, b);
            e >>= 1;
        }
        return result;
    }
}
