using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using static Verity.Algebra.Tests.Reference;

namespace Verity.Algebra.Tests;

public class Goldilocks3Tests
{
    private static bool Same(Goldilocks3 a, BigInteger[] b) => Big3(a).AsSpan().SequenceEqual(b);

    [Fact]
    public void AdditionAndSubtractionMatchReference() =>
        Prop.ForAll(ArbPair3, t =>
        {
            BigInteger[] a = Big3(t.Item1), b = Big3(t.Item2);
            return Same(t.Item1 + t.Item2, [Mod(a[0] + b[0]), Mod(a[1] + b[1]), Mod(a[2] + b[2])])
                && Same(t.Item1 - t.Item2, [Mod(a[0] - b[0]), Mod(a[1] - b[1]), Mod(a[2] - b[2])])
                && Same(-t.Item1, [Mod(-a[0]), Mod(-a[1]), Mod(-a[2])]);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void MultiplicationMatchesPolynomialReference() =>
        Prop.ForAll(ArbPair3, t => Same(t.Item1 * t.Item2, Mul3(Big3(t.Item1), Big3(t.Item2)))).QuickCheckThrowOnFailure();

    [Fact]
    public void SquareMatchesReference() =>
        Prop.ForAll(ArbElement3, a => Same(a.Square(), Mul3(Big3(a), Big3(a)))).QuickCheckThrowOnFailure();

    [Fact]
    public void BaseFieldScalingMatchesReference() =>
        Prop.ForAll(Gen.Zip(Element3, Element).ToArbitrary(), t =>
        {
            BigInteger[] expected = Mul3(Big3(t.Item1), [Big(t.Item2), 0, 0]);
            return Same(t.Item1 * t.Item2, expected) && Same(t.Item2 * t.Item1, expected);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void InverseMatchesReference() =>
        Prop.ForAll(Element3.Where(a => !a.IsZero).ToArbitrary(), a =>
        {
            Goldilocks3 inv = a.Inverse();
            // a^(p³ − 2) is the inverse in a field of p³ elements.
            return a * inv == Goldilocks3.One && Same(inv, Pow3(Big3(a), BigInteger.Pow(P, 3) - 2));
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void InverseOfZeroThrows() => Assert.Throws<DivideByZeroException>(() => Goldilocks3.Zero.Inverse());

    [Fact]
    public void PowMatchesReference() =>
        Prop.ForAll(Gen.Zip(Element3, AnyUInt64).ToArbitrary(), t => Same(t.Item1.Pow(t.Item2), Pow3(Big3(t.Item1), t.Item2))).QuickCheckThrowOnFailure();

    [Fact]
    public void FrobeniusIsPowerP() =>
        Prop.ForAll(ArbElement3, a => Same(a.Frobenius(), Pow3(Big3(a), P))).QuickCheckThrowOnFailure();

    [Fact]
    public void BatchInverseMatchesSingleInverses() =>
        Prop.ForAll(Gen.Zip(Gen.ArrayOf(Element3.Where(a => !a.IsZero)), Gen.Choose(1, 5)).ToArbitrary(), t =>
        {
            var (values, block) = t;
            var serial = (Goldilocks3[])values.Clone();
            var parallel = (Goldilocks3[])values.Clone();
            BatchInverse.InvertInPlace<Goldilocks3>(serial);
            BatchInverse.InvertInPlaceParallel(parallel, block);
            for (int i = 0; i < values.Length; i++)
            {
                Goldilocks3 expected = values[i].Inverse();
                if (serial[i] != expected || parallel[i] != expected) return false;
            }
            return true;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void EncodingRoundTripsAndRejectsNonCanonicalComponents()
    {
        Prop.ForAll(ArbElement3, a =>
        {
            byte[] buffer = new byte[24];
            a.WriteTo(buffer);
            return Goldilocks3.TryRead(buffer, out var b) && b == a;
        }).QuickCheckThrowOnFailure();

        for (int component = 0; component < 3; component++)
        {
            byte[] buffer = new byte[24];
            BitConverter.TryWriteBytes(buffer.AsSpan(component * 8), Goldilocks.Modulus);
            Assert.False(Goldilocks3.TryRead(buffer, out _));
        }
    }

    /// <summary>
    /// A cubic is irreducible iff it has no root, i.e. gcd(x^p − x, f) = 1 (x^p − x is the
    /// product of all x − a). x^p mod f is computed by square-and-multiply.
    /// </summary>
    [Fact]
    public void DefiningPolynomialIsIrreducible()
    {
        BigInteger[] f = [P - 1, P - 1, 0, 1]; // x³ − x − 1
        BigInteger[] xp = Pow3([0, 1, 0], P);   // x^p mod f, via the same reduction x³ = x + 1
        BigInteger[] g = [xp[0], Mod(xp[1] - 1), xp[2]]; // x^p − x mod f
        BigInteger[] gcd = PolyGcd(f, g);
        Assert.Single(gcd);
        Assert.NotEqual(BigInteger.Zero, gcd[0]);
    }

    private static BigInteger[] Trim(BigInteger[] a)
    {
        int n = a.Length;
        while (n > 1 && a[n - 1].IsZero) n--;
        return a[..n];
    }

    private static BigInteger[] PolyGcd(BigInteger[] a, BigInteger[] b)
    {
        a = Trim(a);
        b = Trim(b);
        while (!(b.Length == 1 && b[0].IsZero))
        {
            (a, b) = (b, PolyMod(a, b));
        }
        return a;
    }

    private static BigInteger[] PolyMod(BigInteger[] a, BigInteger[] b)
    {
        var r = (BigInteger[])a.Clone();
        BigInteger leadInv = BigInteger.ModPow(b[^1], P - 2, P);
        for (int i = r.Length - 1; i >= b.Length - 1; i--)
        {
            BigInteger q = Mod(r[i] * leadInv);
            for (int j = 0; j < b.Length; j++) r[i - b.Length + 1 + j] = Mod(r[i - b.Length + 1 + j] - q * b[j]);
        }
        return Trim(r.Length >= b.Length ? r[..System.Math.Max(1, b.Length - 1)] : r);
    }
}
