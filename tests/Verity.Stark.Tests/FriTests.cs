using Verity.Algebra;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Examples;
using Verity.Stark.Fri;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

public class FriTests
{
    private static StarkParameters WithArity(int arity, int remainderDegree = 7) =>
        new($"arity{arity}", 4, 12, 0, arity, remainderDegree, StarkParameters.InsecureTest.Hash, isInsecure: true);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Proofs_verify_with_every_folding_arity(int arity)
    {
        var p = WithArity(arity);
        var s = RangeCheckAir.CreateRandom(10, seed: arity);
        AssertValid(Verify(s, Prove(s, p), p));
    }

    [Fact]
    public void Proof_for_one_arity_is_rejected_under_another()
    {
        var s = FibonacciAir.Create(8);
        AssertRejected(Verify(s, Prove(s, WithArity(4)), WithArity(8)));
    }

    [Fact]
    public void Schedule_lands_on_every_table_size_and_the_remainder()
    {
        var p = WithArity(8, remainderDegree: 15); // remainder domain 2^(4+2)
        var schedule = FriSchedule.Create([20, 15, 11, 11], p);
        int size = schedule.LayerLogSizes[0];
        Assert.Equal(20, size);
        var visited = new List<int>();
        for (int k = 0; k < schedule.LayerCount; k++)
        {
            Assert.Equal(size, schedule.LayerLogSizes[k]);
            Assert.InRange(schedule.LogArities[k], 1, 3);
            visited.Add(size);
            size -= schedule.LogArities[k];
        }
        Assert.Equal(6, schedule.RemainderLogSize);
        Assert.Equal(size, schedule.RemainderLogSize);
        Assert.Contains(15, visited);
        Assert.Contains(11, visited);
        Assert.Equal(16, schedule.RemainderCoefficients);
    }

    [Fact]
    public void Schedule_stops_at_the_smallest_table_when_it_is_below_the_remainder_size()
    {
        var schedule = FriSchedule.Create([12, 5], WithArity(4, remainderDegree: 127));
        Assert.Equal(5, schedule.RemainderLogSize);
        Assert.Equal(8, schedule.RemainderCoefficients);
    }

    [Fact]
    public void Folding_matches_the_even_odd_decomposition()
    {
        // For arity 2: f(x) = fe(x²) + x·fo(x²) and fold = fe + β·fo.
        var rng = new Random(3);
        Goldilocks R() => Goldilocks.FromUInt64((ulong)rng.NextInt64());
        var coeffs = Enumerable.Range(0, 8).Select(_ => new Goldilocks3(R(), R(), R())).ToArray();
        var x = R();
        var beta = new Goldilocks3(R(), R(), R());
        Goldilocks3 F(Goldilocks3 at) => Polynomial.Evaluate(coeffs, at);
        var values = new[] { F(x), F(-x) };
        var folded = FriFolding.Fold(values, 1, x.Inverse(), beta);
        var even = coeffs.Where((_, i) => i % 2 == 0).ToArray();
        var odd = coeffs.Where((_, i) => i % 2 == 1).ToArray();
        var y = (Goldilocks3)(x * x);
        Assert.Equal(Polynomial.Evaluate(even, y) + beta * Polynomial.Evaluate(odd, y), folded);
    }
}
