using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Tests;

/// <summary>An AIR that cannot be proved soundly is refused when it is built, with a message naming the problem.</summary>
public class AirBuilderTests
{
    [Fact]
    public void Constraints_may_not_use_LogUp_internals()
    {
        var t = new AirBuilder("x", 0).Table("t", 1);
        Assert.Throws<ArgumentException>(() => t.Transition("aux", Expr.Auxiliary(0) - t.Main(0)));
        Assert.Throws<ArgumentException>(() => t.Transition("challenge", Expr.Challenge(0) * t.Main(0)));
        Assert.Throws<ArgumentException>(() => t.LastRow("sum", Expr.ClaimedSum() - t.Main(0)));
    }

    [Fact]
    public void Out_of_range_references_are_refused()
    {
        var t = new AirBuilder("x", 1).Table("t", 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Main(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.PublicInput(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.PreprocessedColumn(0));
        Assert.Throws<ArgumentException>(() => t.Transition("c", Expr.Main(5)));
        Assert.Throws<ArgumentException>(() => t.Transition("p", Expr.Periodic(0)));
        Assert.Throws<ArgumentException>(() => t.Transition("pub", Expr.PublicInput(3)));
    }

    [Fact]
    public void Next_row_values_only_in_transitions()
    {
        var t = new AirBuilder("x", 0).Table("t", 1);
        Assert.Throws<ArgumentException>(() => t.FirstRow("f", t.Main(0).Next));
        Assert.Throws<ArgumentException>(() => t.LastRow("l", t.Main(0).Next));
        Assert.Throws<ArgumentException>(() => t.EveryRow("e", t.Main(0).Next));
        Assert.Throws<InvalidOperationException>(() => Expr.Const(3).Next);
    }

    [Fact]
    public void Shapes_are_validated()
    {
        var b = new AirBuilder("x", 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Table("empty", 0));
        var t = b.Table("t", 1);
        Assert.Throws<ArgumentException>(() => b.Table("t", 1));
        Assert.Throws<ArgumentException>(() => t.AddPeriodic(Goldilocks.One, Goldilocks.One, Goldilocks.One));
        Assert.Throws<ArgumentException>(() => t.WithPreprocessed(new Goldilocks[6]));
        Assert.Throws<ArgumentException>(() => t.WithPreprocessed(new Goldilocks[8], new Goldilocks[16]));
        Assert.Throws<InvalidOperationException>(() => new AirBuilder("none", 0).Build());
    }

    [Fact]
    public void Degrees_and_quotient_chunks_follow_the_constraints()
    {
        var b = new AirBuilder("x", 0);
        var t = b.Table("t", 2);
        Expr x = t.Main(0), y = t.Main(1);
        t.Transition("cubic", x.Next - x * x * y);
        t.FirstRow("square", x * x - 1);
        var air = b.Build();
        var def = air.Tables[0];
        Assert.Equal(3, def.MaxDegree);
        Assert.Equal(2, def.QuotientChunks); // transition degree 3 → 2 chunks; boundary degree 2 → 2 chunks
        Assert.Equal(3, air.MaxDegree);
    }

    [Fact]
    public void LogUp_columns_are_derived_from_interactions()
    {
        var def = Examples.RangeCheckAir.Air.Tables[0];
        Assert.Equal(2, def.AuxWidth); // one helper and the running sum
        Assert.Equal(6, def.AuxBaseWidth);
        Assert.Contains(def.AllConstraints, c => c.Name == "logup.claimed" && c.Domain == ConstraintDomain.LastRow);
    }

    [Fact]
    public void External_interactions_need_a_precommitted_table()
    {
        var b = new AirBuilder("x", 0);
        var t = b.Table("t", 1);
        t.SendExternal(3, Expr.Const(1), t.Main(0));
        var e = Assert.Throws<ArgumentException>(() => b.Build());
        Assert.Contains("precommitted", e.Message);
        t.Precommitted();
        Assert.True(b.Build().HasExternalBuses);
    }

    [Fact]
    public void A_bus_number_has_one_scope()
    {
        var b = new AirBuilder("x", 1);
        var t = b.Table("t", 1).Precommitted();
        t.SendExternal(5, Expr.Const(1), t.Main(0));
        var u = b.Table("u", 1);
        u.Receive(5, Expr.Const(1), u.Main(0));
        Assert.Contains("Bus 5", Assert.Throws<ArgumentException>(() => b.Build()).Message);

        var c = new AirBuilder("y", 1);
        var v = c.Table("t", 1).Precommitted();
        v.ReceiveExternal(6, Expr.Const(1), v.Main(0));
        c.PublicSend(6, Expr.Const(1), Expr.PublicInput(0));
        Assert.Contains("Bus 6", Assert.Throws<ArgumentException>(() => c.Build()).Message);
    }

    [Fact]
    public void External_interactions_follow_the_interaction_rules()
    {
        var t = new AirBuilder("x", 0).Table("t", 1).Precommitted();
        Assert.Throws<ArgumentException>(() => t.SendExternal(1, Expr.Const(1), Expr.Auxiliary(0)));
        Assert.Throws<ArgumentException>(() => t.ReceiveExternal(1, Expr.Challenge(2), t.Main(0)));
        Assert.Throws<ArgumentException>(() => t.SendExternal(1, Expr.Const(1), Expr.Main(1)));
        Assert.Throws<ArgumentException>(() => t.LastRow("sum", Expr.ExternalSum() - t.Main(0)));
    }

    [Fact]
    public void Scope_and_precommitment_are_part_of_the_AIR_identity()
    {
        AirDefinition Build(bool external, bool precommitted)
        {
            var b = new AirBuilder("x", 0);
            var t = b.Table("t", 1);
            if (precommitted) t.Precommitted();
            if (external) t.SendExternal(1, Expr.Const(1), t.Main(0));
            else t.Send(1, Expr.Const(1), t.Main(0));
            return b.Build();
        }
        var ids = new[] { Build(false, false).Identity, Build(false, true).Identity, Build(true, true).Identity };
        Assert.Equal(3, ids.Distinct().Count());
    }
}
