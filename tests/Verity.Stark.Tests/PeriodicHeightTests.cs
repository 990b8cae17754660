using Verity.Algebra;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Prover;
using Verity.Stark.Verifier;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

/// <summary>
/// A periodic column of period P is p(x^(n/P)): it needs n ≥ P. With n &lt; P the exponent n/P
/// rounds to 0 and the column reads as the constant v[0] on every row, while the AIR means
/// v[i mod P]. Table heights are the prover's choice, so the verifier refuses the shape.
/// </summary>
public class PeriodicHeightTests
{
    private const int Period = 1024;

    /// <summary>sel = 0, 1, 1, …, 1 (period 1024) and the every-row constraint sel·a = 0.</summary>
    private static AirDefinition SelectorAir(string name)
    {
        var b = new AirBuilder(name, 0);
        var t = b.Table("t", 1);
        var cycle = new Goldilocks[Period];
        for (int i = 1; i < Period; i++) cycle[i] = Goldilocks.One;
        var sel = t.AddPeriodic(cycle);
        t.EveryRow("sel·a = 0", sel * t.Main(0));
        return b.Build();
    }

    private static Goldilocks[][][] Constant(int n, ulong value)
    {
        var a = new Goldilocks[n];
        Array.Fill(a, new Goldilocks(value));
        return [[a]];
    }

    [Fact]
    public void Table_shorter_than_a_periodic_column_is_rejected()
    {
        // a = 5 on every row breaks sel·a = 0 on rows 1..511. A cheating prover picks n = 512 < P and proves the AIR
        // as the verifier used to read it there: sel the constant v[0] = 0. It does so by proving with the cycle
        // swapped for [v[0]] (period 1); the AIR identity was fixed when the AIR was built, so the transcript and the
        // proof still name the original AIR.
        var air = SelectorAir("periodic-longer-than-table");
        var periodic = air.Tables[0].Periodic;
        var cycle = periodic[0];
        periodic[0] = [cycle[0]];
        byte[] proof;
        try { proof = ProveRaw(air, Constant(512, 5), [], StarkParameters.Default); }
        finally { periodic[0] = cycle; }

        var r = StarkVerifier.Verify(air, [], proof, StarkParameters.Default);
        AssertRejected(r, "periodic column 0");
        Assert.Contains("'t'", r.Error);
        Assert.Contains("1024", r.Error);
    }

    [Fact]
    public void Prover_refuses_a_table_shorter_than_a_periodic_column()
    {
        var air = SelectorAir("periodic-longer-than-table-prover");
        var e = Assert.Throws<ArgumentException>(() => StarkProver.Prove(air, Constant(512, 0), [], Fast));
        Assert.Contains("'t'", e.Message);
        Assert.Contains("period 1024", e.Message);
        Assert.Throws<ArgumentException>(() => StarkProver.CommitMainTrace(air, 0, Constant(512, 0)[0], [9], Fast));
    }

    [Theory]
    [InlineData(10)] // n = P
    [InlineData(11)] // n = 2P
    public void Table_at_least_as_tall_as_its_periodic_columns_verifies(int logHeight)
    {
        var air = SelectorAir("periodic-fits");
        int n = 1 << logHeight;
        var a = new Goldilocks[n];
        for (int i = 0; i < n; i += Period) a[i] = new Goldilocks(5); // a may be non-zero only where sel = 0
        AssertValid(Verify(air, [], ProveRaw(air, [[a]], [])));
        a[1] = new Goldilocks(5);
        AssertRejected(Verify(air, [], ProveRaw(air, [[a]], [])));
    }

    [Fact]
    public void Periodic_column_longer_than_the_preprocessed_height_is_refused_when_the_AIR_is_built()
    {
        var b = new AirBuilder("periodic-vs-preprocessed", 0);
        var t = b.Table("t", 1).WithPreprocessed(new Goldilocks[8]);
        t.EveryRow("sel·a", t.AddPeriodic(new Goldilocks[16]) * t.Main(0));
        var e = Assert.Throws<ArgumentException>(() => b.Build());
        Assert.Contains("period 16", e.Message);
    }
}
