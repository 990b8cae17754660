using FsCheck;
using FsCheck.Fluent;

namespace Verity.Algebra.Tests;

public class NttTests
{
    internal static Goldilocks[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var values = new Goldilocks[n];
        for (int i = 0; i < n; i++) values[i] = Goldilocks.FromUInt64((ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 63));
        return values;
    }

    /// <summary>Evaluations of the polynomial at shift·ω_n^i, by Horner's rule: O(n²).</summary>
    internal static Goldilocks[] NaiveEvaluate(ReadOnlySpan<Goldilocks> coefficients, Goldilocks shift, int logPoints)
    {
        int points = 1 << logPoints;
        Goldilocks omega = Goldilocks.RootOfUnity(logPoints), x = shift;
        var result = new Goldilocks[points];
        for (int i = 0; i < points; i++, x *= omega) result[i] = Polynomial.Evaluate(coefficients, x);
        return result;
    }

    /// <summary>Interpolation by the inverse DFT formula a_k = (1/n) Σ y_i (shift·ω^i)^(−k): O(n²).</summary>
    private static Goldilocks[] NaiveInterpolate(Goldilocks[] evaluations, Goldilocks shift)
    {
        int n = evaluations.Length;
        Goldilocks omegaInv = Goldilocks.RootOfUnity(System.Numerics.BitOperations.Log2((uint)n)).Inverse();
        Goldilocks nInv = new Goldilocks((ulong)n).Inverse(), shiftInv = shift.Inverse();
        var result = new Goldilocks[n];
        Goldilocks sk = Goldilocks.One; // shift^(−k)
        for (int k = 0; k < n; k++)
        {
            Goldilocks step = omegaInv.Pow((ulong)k), w = Goldilocks.One, acc = Goldilocks.Zero;
            for (int i = 0; i < n; i++, w *= step) acc += evaluations[i] * w;
            result[k] = acc * nInv * sk;
            sk *= shiftInv;
        }
        return result;
    }

    public static TheoryData<int> SmallLogSizes => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    [Theory]
    [MemberData(nameof(SmallLogSizes))]
    public void TransformsMatchNaiveDft(int logN)
    {
        int n = 1 << logN;
        Goldilocks[] coefficients = Random(n, logN);
        Goldilocks shift = Goldilocks.FromUInt64(0x1234_5678_9ABC_DEF0UL + (ulong)logN);

        var values = (Goldilocks[])coefficients.Clone();
        Ntt.Forward(values);
        Assert.Equal(NaiveEvaluate(coefficients, Goldilocks.One, logN), values);
        Ntt.Inverse(values);
        Assert.Equal(coefficients, values);

        Goldilocks[] cosetEvaluations = NaiveEvaluate(coefficients, shift, logN);
        values = (Goldilocks[])coefficients.Clone();
        Ntt.CosetForward(values, shift);
        Assert.Equal(cosetEvaluations, values);
        Ntt.CosetInverse(values, shift);
        Assert.Equal(coefficients, values);

        if (logN <= 7)
        {
            Assert.Equal(coefficients, NaiveInterpolate(cosetEvaluations, shift));
            values = (Goldilocks[])cosetEvaluations.Clone();
            Ntt.CosetInverse(values, shift);
            Assert.Equal(coefficients, values);
        }
    }

    [Theory]
    [MemberData(nameof(SmallLogSizes))]
    public void AllKernelWidthsAgree(int logN)
    {
        Goldilocks[] coefficients = Random(1 << logN, 100 + logN);
        Goldilocks[] expected = NaiveEvaluate(coefficients, Goldilocks.Generator, logN);
        foreach (int lanes in new[] { 1, 4, 8 })
        {
            var values = (Goldilocks[])coefficients.Clone();
            WithLanes(lanes, () => Ntt.CosetForward(values, Goldilocks.Generator));
            Assert.Equal(expected, values);
            WithLanes(lanes, () => Ntt.CosetInverse(values, Goldilocks.Generator));
            Assert.Equal(coefficients, values);
        }
    }

    [Fact]
    public void LargeTransformsRoundTripAndMatchPointEvaluations()
    {
        const int LogN = 16;
        Goldilocks[] coefficients = Random(1 << LogN, 7);
        Goldilocks shift = new(3);
        var serial = (Goldilocks[])coefficients.Clone();
        var parallel = (Goldilocks[])coefficients.Clone();
        Ntt.CosetForward(serial, shift);
        Ntt.CosetForward(parallel, shift, parallel: true);
        Assert.Equal(serial, parallel);

        Goldilocks omega = Goldilocks.RootOfUnity(LogN);
        foreach (int i in new[] { 0, 1, 2, 12345, (1 << LogN) - 1 })
            Assert.Equal(Polynomial.Evaluate(coefficients, shift * omega.Pow((ulong)i)), serial[i]);

        Ntt.CosetInverse(serial, shift);
        Ntt.CosetInverse(parallel, shift, parallel: true);
        Assert.Equal(coefficients, serial);
        Assert.Equal(coefficients, parallel);

        var plain = (Goldilocks[])coefficients.Clone();
        Ntt.Forward(plain, parallel: true);
        Ntt.Inverse(plain);
        Assert.Equal(coefficients, plain);
    }

    [Fact]
    public void StagesBeyondTheTwiddleTableAreComputedOnTheFly()
    {
        // With the table capped at halves of 2^3, every larger stage takes the chunked path.
        Goldilocks[] coefficients = Random(1 << 12, 11);
        Goldilocks[] expected = (Goldilocks[])coefficients.Clone();
        Ntt.Forward(expected);
        int saved = TwiddleTable.MaxLogHalf;
        try
        {
            TwiddleTable.MaxLogHalf = 3;
            var values = (Goldilocks[])coefficients.Clone();
            Ntt.Forward(values, parallel: true);
            Assert.Equal(expected, values);
            Ntt.Inverse(values);
            Assert.Equal(coefficients, values);
        }
        finally
        {
            TwiddleTable.MaxLogHalf = saved;
        }
    }

    [Fact]
    public void ForwardIsLinear() =>
        Prop.ForAll(Gen.Zip(Gen.Choose(0, 8), Reference.Element).ToArbitrary(), t =>
        {
            var (logN, scale) = t;
            Goldilocks[] a = Random(1 << logN, logN * 31 + 1), b = Random(1 << logN, logN * 31 + 2);
            var combined = new Goldilocks[a.Length];
            for (int i = 0; i < a.Length; i++) combined[i] = a[i] * scale + b[i];
            Ntt.Forward(a);
            Ntt.Forward(b);
            Ntt.Forward(combined);
            for (int i = 0; i < a.Length; i++)
                if (combined[i] != a[i] * scale + b[i]) return false;
            return true;
        }).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(12)]
    [InlineData(1000)]
    public void NonPowerOfTwoLengthsAreRejected(int length)
    {
        var values = new Goldilocks[length];
        Assert.Throws<ArgumentException>(() => Ntt.Forward(values));
        Assert.Throws<ArgumentException>(() => Ntt.Inverse(values));
        Assert.Throws<ArgumentException>(() => Ntt.CosetForward(values, Goldilocks.Generator));
        Assert.Throws<ArgumentException>(() => Ntt.CosetInverse(values, Goldilocks.Generator));
    }

    [Fact]
    public void CosetInverseRejectsZeroShift() =>
        Assert.Throws<ArgumentException>(() => Ntt.CosetInverse(new Goldilocks[4], Goldilocks.Zero));

    internal static void WithLanes(int lanes, Action action)
    {
        int saved = LaneSelection.MaxLanes;
        try
        {
            LaneSelection.MaxLanes = lanes;
            action();
        }
        finally
        {
            LaneSelection.MaxLanes = saved;
        }
    }
}
