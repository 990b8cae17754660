using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

/// <summary>Consecutive interactions share a helper column while the shared constraint stays within degree 3.</summary>
public class LogUpPairingTests
{
    [Fact]
    public void Five_linear_interactions_take_three_helpers_and_a_sum()
    {
        var b = new AirBuilder("five", 0);
        var senders = b.Table("senders", 5);
        var receivers = b.Table("receivers", 5);
        for (int k = 0; k < 5; k++)
        {
            senders.Send(k, Expr.Const(1), senders.Main(k));
            receivers.Receive(k, Expr.Const(1), receivers.Main(k));
        }
        var air = b.Build();
        foreach (var def in air.Tables)
        {
            Assert.Equal(4, def.AuxWidth);
            Assert.Equal(5, def.LocalInteractionCount);
            Assert.Equal([true, true, false], def.LogUpHelpers.Select(h => h.IsPaired));
            Assert.Equal(3, def.LocalSumColumn);
            Assert.Equal(3, def.MaxDegree);
        }
        var rng = new Random(3);
        var cols = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, 16).Select(_ => new Goldilocks((ulong)rng.Next(1000))).ToArray()).ToArray();
        var shuffled = cols.Select(c => c.OrderBy(_ => rng.Next()).ToArray()).ToArray(); // a bus is a multiset
        AssertValid(Verify(air, [], ProveRaw(air, [cols, shuffled], [])));

        var wrong = shuffled.Select(c => (Goldilocks[])c.Clone()).ToArray();
        wrong[4][0] += Goldilocks.One; // the unpaired fifth interaction
        AssertRejected(Verify(air, [], ProveRaw(air, [cols, wrong], [])));
        wrong = shuffled.Select(c => (Goldilocks[])c.Clone()).ToArray();
        wrong[1][3] += Goldilocks.One; // second half of the first pair
        AssertRejected(Verify(air, [], ProveRaw(air, [cols, wrong], [])));
    }

    /// <summary>
    /// Source table: v, a, b with multiplicity a·b (degree 2) and a degree-2 value v². Pairs that
    /// would exceed degree 3 stay single; a degree-2 multiplicity next to linear values still pairs.
    /// </summary>
    private static AirDefinition DegreeTwo()
    {
        var builder = new AirBuilder("degree-two", 0);
        var src = builder.Table("src", 3);
        Expr v = src.Main(0), a = src.Main(1), b = src.Main(2);
        src.EveryRow("a boolean", a * (a - 1));
        src.EveryRow("b boolean", b * (b - 1));
        src.Send(1, a * b, v);                // with the next one: 1 + 1 + 2 = 4 → single
        src.Send(2, Expr.Const(1), v * v);    // with the next one: 1 + 2 + 1 = 4 → single
        src.Send(3, a * b, v);                // with the next one: max(1 + 1 + 1, 2 + 1, 0 + 1) = 3 → paired
        src.Send(4, Expr.Const(1), v);
        var dst = builder.Table("dst", 2);
        Expr w = dst.Main(0), m = dst.Main(1);
        dst.Receive(1, m, w);
        dst.Receive(2, Expr.Const(1), w * w);
        dst.Receive(3, m, w);
        dst.Receive(4, Expr.Const(1), w);
        return builder.Build();
    }

    [Fact]
    public void Degree_two_multiplicities_pair_only_within_degree_three()
    {
        var air = DegreeTwo();
        foreach (var def in air.Tables)
        {
            Assert.Equal([false, false, true], def.LogUpHelpers.Select(h => h.IsPaired));
            Assert.Equal(4, def.AuxWidth);
            Assert.True(def.MaxDegree <= 3, $"{def.Name} has degree {def.MaxDegree}");
        }
        var traces = DegreeTwoWitness(corrupt: false);
        AssertValid(Verify(air, [], ProveRaw(air, traces, [])));
    }

    [Fact]
    public void Degree_two_multiplicity_mismatch_is_rejected()
    {
        var air = DegreeTwo();
        var traces = DegreeTwoWitness(corrupt: true);
        AssertRejected(Verify(air, [], ProveRaw(air, traces, [])));
    }

    private static Goldilocks[][][] DegreeTwoWitness(bool corrupt)
    {
        int n = 32;
        var rng = new Random(9);
        var v = new Goldilocks[n]; var a = new Goldilocks[n]; var b = new Goldilocks[n]; var m = new Goldilocks[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = new Goldilocks((ulong)rng.Next(1 << 20));
            a[i] = new Goldilocks((ulong)rng.Next(2));
            b[i] = new Goldilocks((ulong)rng.Next(2));
            m[i] = a[i] * b[i];
        }
        int row = Array.FindIndex(m, x => x == Goldilocks.Zero);
        if (corrupt) m[row] = Goldilocks.One; // dst claims one more v than src sends
        var w = (Goldilocks[])v.Clone();
        return [[v, a, b], [w, m]];
    }
}
