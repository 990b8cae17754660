using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using static Verity.Algebra.Tests.Reference;

namespace Verity.Algebra.Tests;

public class GoldilocksTests
{
    [Fact]
    public void AdditionMatchesReference() =>
        Prop.ForAll(ArbPair, t => Big(t.Item1 + t.Item2) == Mod(Big(t.Item1) + Big(t.Item2))).QuickCheckThrowOnFailure();

    [Fact]
    public void SubtractionMatchesReference() =>
        Prop.ForAll(ArbPair, t => Big(t.Item1 - t.Item2) == Mod(Big(t.Item1) - Big(t.Item2))).QuickCheckThrowOnFailure();

    [Fact]
    public void NegationMatchesReference() =>
        Prop.ForAll(ArbElement, a => Big(-a) == Mod(-Big(a)) && (a + -a).IsZero).QuickCheckThrowOnFailure();

    [Fact]
    public void MultiplicationMatchesReference() =>
        Prop.ForAll(ArbPair, t => Big(t.Item1 * t.Item2) == Mod(Big(t.Item1) * Big(t.Item2))).QuickCheckThrowOnFailure();

    [Fact]
    public void SquareAndDoubleMatchReference() =>
        Prop.ForAll(ArbElement, a => Big(a.Square()) == Mod(Big(a) * Big(a)) && Big(a.Double()) == Mod(2 * Big(a))).QuickCheckThrowOnFailure();

    [Fact]
    public void Reduce128MatchesReferenceForAnyInput() =>
        Prop.ForAll(Gen.Two(AnyUInt64).ToArbitrary(), t =>
            Goldilocks.Reduce128(t.Item1, t.Item2) == (ulong)Mod(((BigInteger)t.Item2 << 64) + t.Item1)).QuickCheckThrowOnFailure();

    [Fact]
    public void EdgeValuePairsMatchReference()
    {
        foreach (ulong x in EdgeValues)
        {
            foreach (ulong y in EdgeValues)
            {
                Goldilocks a = new(x), b = new(y);
                Assert.Equal(Mod((BigInteger)x + y), Big(a + b));
                Assert.Equal(Mod((BigInteger)x - y), Big(a - b));
                Assert.Equal(Mod((BigInteger)x * y), Big(a * b));
            }
        }
    }

    [Fact]
    public void InverseMatchesFermat() =>
        Prop.ForAll(NonZeroElement.ToArbitrary(), a =>
            (a * a.Inverse()) == Goldilocks.One && Big(a.Inverse()) == BigInteger.ModPow(Big(a), P - 2, P)).QuickCheckThrowOnFailure();

    [Fact]
    public void InverseOfZeroThrows() => Assert.Throws<DivideByZeroException>(() => Goldilocks.Zero.Inverse());

    [Fact]
    public void PowMatchesReference() =>
        Prop.ForAll(Gen.Zip(Element, AnyUInt64).ToArbitrary(), t =>
            Big(t.Item1.Pow(t.Item2)) == BigInteger.ModPow(Big(t.Item1), t.Item2, P)).QuickCheckThrowOnFailure();

    [Fact]
    public void BatchInverseMatchesSingleInverses() =>
        Prop.ForAll(Gen.ArrayOf(NonZeroElement).ToArbitrary(), values =>
        {
            var copy = (Goldilocks[])values.Clone();
            BatchInverse.InvertInPlace<Goldilocks>(copy);
            for (int i = 0; i < values.Length; i++)
                if (copy[i] != values[i].Inverse()) return false;
            return true;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void ParallelBatchInverseMatchesSingleInverses() =>
        Prop.ForAll(Gen.Zip(Gen.ArrayOf(NonZeroElement), Gen.Choose(1, 9)).ToArbitrary(), t =>
        {
            var (values, block) = t;
            var copy = (Goldilocks[])values.Clone();
            BatchInverse.InvertInPlaceParallel(copy, block);
            for (int i = 0; i < values.Length; i++)
                if (copy[i] != values[i].Inverse()) return false;
            return true;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void BatchInverseRejectsZero()
    {
        Goldilocks[] values = [new(5), Goldilocks.Zero, new(7)];
        Assert.Throws<DivideByZeroException>(() => BatchInverse.InvertInPlace<Goldilocks>(values));
        Assert.ThrowsAny<Exception>(() => BatchInverse.InvertInPlaceParallel(values, 1));
    }

    [Fact]
    public void EncodingRoundTrips() =>
        Prop.ForAll(ArbElement, a =>
        {
            Span<byte> buffer = stackalloc byte[8];
            a.WriteTo(buffer);
            return Goldilocks.TryRead(buffer, out var b) && b == a && Goldilocks.Read(buffer) == a
                && BitConverter.ToUInt64(buffer) == a.Value;
        }).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData(Goldilocks.Modulus)]
    [InlineData(Goldilocks.Modulus + 1)]
    [InlineData(Goldilocks.Modulus + 0x8000_0000)]
    [InlineData(ulong.MaxValue)]
    public void DecodingRejectsNonCanonicalValues(ulong raw)
    {
        byte[] buffer = BitConverter.GetBytes(raw);
        Assert.False(Goldilocks.TryRead(buffer, out _));
        Assert.Throws<FormatException>(() => Goldilocks.Read(buffer));
    }

    [Fact]
    public void DecodingRejectsEveryValueAtOrAboveP() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).Select(i => Goldilocks.Modulus + (ulong)i % 0xFFFF_FFFFUL).ToArbitrary(), raw =>
            !Goldilocks.TryRead(BitConverter.GetBytes(raw), out _)).QuickCheckThrowOnFailure();

    [Fact]
    public void FromUInt64Reduces() =>
        Prop.ForAll(AnyUInt64.ToArbitrary(), v => Big(Goldilocks.FromUInt64(v)) == Mod(v)).QuickCheckThrowOnFailure();

    [Fact]
    public void FromInt64Reduces()
    {
        Prop.ForAll(AnyUInt64.Select(v => (long)v).ToArbitrary(), v => Big(Goldilocks.FromInt64(v)) == Mod(v)).QuickCheckThrowOnFailure();
        foreach (long v in new[] { 0L, 1L, -1L, long.MinValue, long.MaxValue, long.MinValue + 1, -(long)(Goldilocks.Modulus >> 1) })
            Assert.Equal(Mod(v), Big(Goldilocks.FromInt64(v)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(32)]
    public void RootOfUnityHasExactOrder(int k)
    {
        Goldilocks w = Goldilocks.RootOfUnity(k);
        Goldilocks x = w;
        for (int i = 0; i < k; i++)
        {
            Assert.NotEqual(Goldilocks.One, x); // order is not 2^i for i < k
            x = x.Square();
        }
        Assert.Equal(Goldilocks.One, x);
        Assert.Equal(BigInteger.One, BigInteger.ModPow(Big(w), BigInteger.One << k, P));
    }

    [Fact]
    public void RootsOfUnityAreCompatible()
    {
        // The NTT relies on ω_{2n}² = ω_n.
        for (int k = 1; k <= Goldilocks.TwoAdicity; k++)
            Assert.Equal(Goldilocks.RootOfUnity(k - 1), Goldilocks.RootOfUnity(k).Square());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(33)]
    [InlineData(64)]
    public void RootOfUnityOutOfRangeThrows(int k) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Goldilocks.RootOfUnity(k));

    [Fact]
    public void GeneratorGeneratesTheMultiplicativeGroup()
    {
        // p − 1 = 2^32 · 3 · 5 · 17 · 257 · 65537: 7 has full order iff 7^((p−1)/q) ≠ 1 for each prime q.
        foreach (ulong q in new ulong[] { 2, 3, 5, 17, 257, 65537 })
            Assert.NotEqual(Goldilocks.One, Goldilocks.Generator.Pow((Goldilocks.Modulus - 1) / q));
    }
}
