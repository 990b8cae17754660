using Verity.Algebra;
using Verity.Stark.Prover;

namespace Verity.Stark.Tests;

public class LazyDotTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(64, false)]
    [InlineData(5000, true)]   // p−1 values overflow the 128-bit sums many times
    [InlineData(5000, false)]
    public void Lazy_dot_product_equals_the_reduced_one(int length, bool extreme)
    {
        var rng = new Random(length);
        Goldilocks R() => extreme ? new Goldilocks(Goldilocks.Modulus - 1) : Goldilocks.FromUInt64((ulong)rng.NextInt64());
        var v = Enumerable.Range(0, length).Select(_ => R()).ToArray();
        var w = Enumerable.Range(0, length).Select(_ => new Goldilocks3(R(), R(), R())).ToArray();
        var expected = Goldilocks3.Zero;
        for (int i = 0; i < length; i++) expected += w[i] * v[i];
        var (w0, w1, w2) = LazyDot.Split(w);
        Assert.Equal(expected, LazyDot.BaseExt(v, w0, w1, w2));
    }
}
