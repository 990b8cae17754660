using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Security;
using Verity.Stark.Examples;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests.Security;

/// <summary>
/// A statement's security: the calculator per table (the weakest one decides), extension columns counted as three
/// base columns, the LogUp and union-bound terms. Expected figures are computed by hand in the comments.
/// </summary>
public sealed class StatementSecurityTests
{
    private static readonly StarkParameters Default = StarkParameters.Default;

    /// <summary>
    /// Two tables sharing local bus 7: "big" (3 main columns) sends main0 and receives main1 — linear tuples, so one
    /// paired helper plus the running sum: 2 extension aux columns — and has a degree-2 constraint; "small" (1 main
    /// column) sends main0 once: 1 helper + running sum. The statement receives one tuple on the bus.
    /// </summary>
    private static AirDefinition TwoTables()
    {
        var b = new AirBuilder("two-tables", 1);
        var big = b.Table("big", 3);
        big.EveryRow("square", big.Main(2) * big.Main(2) - big.Main(0));
        big.Send(7, Expr.Const(1), big.Main(0));
        big.Receive(7, Expr.Const(1), big.Main(1));
        var small = b.Table("small", 1);
        small.Send(7, Expr.Const(1), small.Main(0));
        b.PublicReceive(7, Expr.Const(1), Expr.PublicInput(0));
        return b.Build();
    }

    [Fact]
    public void Extension_columns_count_three_base_columns_in_the_DEEP_batch()
    {
        var air = TwoTables();
        var big = air.Tables[0];
        var small = air.Tables[1];
        // Helpers and running sums are extension columns; the LogUp pair constraint
        // h·(γ − f₁)(γ − f₂) − … has degree 3, so "big" needs 2 composition chunks (degree − 1); "small"'s
        // h·(γ − f) − m has degree 2, one chunk. Each chunk is committed as 3 base columns.
        Assert.Equal((2, 2), (big.AuxWidth, big.QuotientChunks));
        Assert.Equal((2, 1), (small.AuxWidth, small.QuotientChunks));
        // big: 3 main + 3·2 aux + 3·2 chunks = 15; small: 1 + 3·2 + 3·1 = 10. (Counting each extension column once
        // would give 3 + 2 + 2 + 1 + 2 + 1 = 11.)
        Assert.Equal(25, StatementSecurity.CommittedBaseColumns(air));
        Assert.Equal(25, StatementSecurity.Inputs(air, Default, 10).NumCommittedPolys);
        Assert.Equal(air.TotalConstraints, StatementSecurity.Inputs(air, Default, 10).NumConstraints);
    }

    [Fact]
    public void The_weakest_table_decides_not_the_largest()
    {
        var air = TwoTables();
        // big at 2^10 rows, small at 2^3. For n = 8 the proximity parameter m can only be 3 (m < n/2 = 4 keeps
        // ρ − 2m/N positive), so each query passes with α = (1 + 1/6)·√(1/8) and 58 queries + 16 grinding bits give
        // 16 − 58·log2 α = 16 + 58·1.5 − 58·log2(7/6) = 103 − 12.90 = 90.10 bits. The 2^10 table gets 102.
        var r = StatementSecurity.Compute(air, Default, [10, 3]);
        Assert.Equal("small", r.WeakestTable.Name);
        Assert.Equal(3, r.WeakestTable.LogHeight);
        Assert.Equal(3, r.WeakestTable.Report.ListDecodingM);
        Assert.Equal(103 - 58 * Math.Log2(7.0 / 6), r.WeakestTable.Report.ListDecodingTerms.Query, 9);
        Assert.Equal(90, r.WeakestTable.Report.ProvableBits);
        Assert.Equal(102, r.Tables[0].Report.ProvableBits);
        Assert.Equal(90, r.ProvableBits);
        // What counting at the largest table alone used to report:
        Assert.Equal(102, StatementSecurity.ForTableHeight(air, Default, 10).ProvableBits);
        Assert.Contains("'small' at 2^3 rows: 90 provable bits", r.DescribeWeakestTable());

        // Small tables lose bits: 2^4 → 97, 2^5 → 100 with the default set; blowup 4 needs 2^6.
        Assert.Equal(97, StatementSecurity.ForTableHeight(air, Default, 4).ProvableBits);
        Assert.Equal(100, StatementSecurity.ForTableHeight(air, Default, 5).ProvableBits);
        Assert.Equal(5, StatementSecurity.MinLogHeightFor(air, Default, 100));
        Assert.Equal(6, StatementSecurity.MinLogHeightFor(air, StarkParameters.Blowup4, 100));
        Assert.Null(StatementSecurity.MinLogHeightFor(air, StarkParameters.InsecureTest, 100));
    }

    [Fact]
    public void Height_ranges_take_each_table_at_its_weakest_height()
    {
        var air = TwoTables();
        // Bits rise from 2^3 to a plateau and fall again for very tall tables (the N² FRI batching term and the
        // list size): over 2^3..2^26 the weakest height is 2^3 (90 bits), over 2^5..2^26 it is 2^26 (99 bits; 2^5
        // gives 100).
        var r = StatementSecurity.Compute(air, Default, [5, 3], [26, 26]);
        Assert.Equal((26, 99.0), (r.Tables[0].LogHeight, r.Tables[0].Report.ProvableBits));
        Assert.Equal((3, 90.0), (r.Tables[1].LogHeight, r.Tables[1].Report.ProvableBits));
        Assert.Equal("small", r.WeakestTable.Name);
        Assert.Throws<ArgumentException>(() => StatementSecurity.Compute(air, Default, [6, 3], [5, 3]));
        Assert.Throws<ArgumentException>(() => StatementSecurity.Compute(air, Default, [6]));
    }

    [Fact]
    public void Local_LogUp_terms_are_counted_per_bus_and_joined_to_the_weakest_table()
    {
        var air = TwoTables();
        var r = StatementSecurity.Compute(air, Default, [10, 10]);
        // Bus 7: big has 2 interactions over 2^10 rows, small 1, the statement 1: 3·1024 + 1 = 3073 fractions, tuples of
        // one value (fingerprint bus + β·v, degree 1 in β): 192 − log2(3073·2) = 179.58 bits.
        var bus = Assert.Single(r.LocalBuses);
        Assert.Equal((7, BusScope.Local, 3073.0, 1), (bus.Bus, bus.Scope, bus.Fractions, bus.FingerprintDegree));
        Assert.Equal(192 - Math.Log2(3073 * 2.0), bus.Bits, 9);
        Assert.Equal(bus.Bits, r.LocalLogUpBits, 9);
        // The union with a 102.x-bit table moves it by about 2^−77 (below a double's precision): still 102 whole bits.
        Assert.Equal(SecurityCalculator.UnionBits([r.WeakestTable.Report.ProvableBitsExact, bus.Bits]), r.ProvableBitsExact, 12);
        Assert.Equal(102, r.ProvableBits);
        Assert.Equal(128, r.ConjecturedBits);

        // An AIR without buses has no LogUp term.
        var fib = FibonacciAir.Create(6).Air;
        var f = StatementSecurity.Compute(fib, Default, [6]);
        Assert.Empty(f.LocalBuses);
        Assert.Equal(double.PositiveInfinity, f.LocalLogUpBits);
        Assert.Equal(f.WeakestTable.Report.ProvableBitsExact, f.ProvableBitsExact);
    }

    [Fact]
    public void Default_verifier_refuses_a_statement_with_an_8_row_table_and_names_it()
    {
        // 2^3 rows: 90 provable bits with the default set, below the verifier's 100.
        var s = FibonacciAir.Create(3);
        var r = StarkVerifierFor(s, Default);
        AssertRejected(r, "provable bits");
        Assert.Contains("at 2^3 rows: 90 provable bits", r.Error);
        // From 2^5 rows the same parameters pass.
        AssertValid(StarkVerifierFor(FibonacciAir.Create(5), Default));
    }

    private static Verity.Stark.Verifier.VerificationResult StarkVerifierFor(ExampleStatement s, StarkParameters p) =>
        Verify(s, Prove(s, p), p);
}
