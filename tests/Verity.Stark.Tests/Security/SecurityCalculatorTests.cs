using Verity.Stark.Air.Security;

namespace Verity.Stark.Tests.Security;

public sealed class SecurityCalculatorTests
{
    // The zk.md §3.2 scenario: Goldilocks^3, n = 2^22, 300 constraints, 400 committed polynomials,
    // 16 grinding bits. Degree, FRI arity and remainder do not affect the table (see comments below).
    private static SecurityInputs Table(int blowup, int extensionDegree = 3, int queries = 1, int grinding = 16) =>
        new(FieldBits: 64, ExtensionDegree: extensionDegree, Blowup: blowup, Queries: queries, GrindingBits: grinding,
            TraceLengthLog2: 22, NumConstraints: 300, NumCommittedPolys: 400, MaxConstraintDegree: 3,
            FriFoldingArity: 4, FriRemainderMaxDegree: 127);

    // Smallest s (1..1000) whose selected bound reaches the target; -1 if none.
    private static int MinQueries(SecurityInputs template, double target, Func<SecurityReport, double> bits)
    {
        for (int s = 1; s <= 1000; s++)
            if (bits(SecurityCalculator.Compute(template with { Queries = s })) >= target) return s;
        return -1;
    }

    // ---------------------------------------------------------------------------------------------
    // zk.md §3.2 table, Goldilocks^3 row. Our re-derivation reproduces it exactly (no ±1 needed):
    // the table assumes power ("algebraic") batching of both constraints and DEEP terms, which is
    // what the calculator models. Conjectured: s·log2 B + 16 − 1 ≥ 100. UDR: 16 − s·log2((1+ρ⁺)/2) ≥ 100.
    // LDR: the query term with the best m that still keeps the (m+½)^7·N²·399 FRI batching term ≥ 100.
    // ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(2, 85, 175, 203)]
    [InlineData(4, 43, 87, 124)]
    [InlineData(8, 29, 58, 102)]
    public void ReproducesZkMdTableForGoldilocksCubic(int blowup, int conjectured, int listDecoding, int uniqueDecoding)
    {
        var t = Table(blowup);
        Assert.Equal(conjectured, SecurityCalculator.MinQueriesForConjecturedBits(t, 100));
        Assert.Equal(listDecoding, MinQueries(t, 100, r => r.ProvableListDecodingBits));
        Assert.Equal(uniqueDecoding, MinQueries(t, 100, r => r.ProvableUniqueDecodingBits));
        // For a 192-bit field the list-decoding regime needs fewer queries, so it decides ProvableBits.
        Assert.Equal(listDecoding, SecurityCalculator.MinQueriesForProvableBits(t, 100));

        // Boundary: one query fewer misses 100 bits.
        var at = SecurityCalculator.Compute(t with { Queries = listDecoding });
        var below = SecurityCalculator.Compute(t with { Queries = listDecoding - 1 });
        Assert.True(at.ProvableListDecodingBits >= 100);
        Assert.True(below.ProvableListDecodingBits < 100);
        Assert.True(at.ListDecodingM >= 3);
        Assert.True(SecurityCalculator.Compute(t with { Queries = conjectured - 1 }).ConjecturedBits < 100);
    }

    [Fact]
    public void TableValuesAtTheRecommendedSets()
    {
        // Blowup 8, 58 queries: conjectured is capped at 128 by the hash; LDR just reaches 100.
        var r = SecurityCalculator.Compute(Table(8, queries: 58));
        Assert.Equal(128, r.ConjecturedBits);
        Assert.Equal(100, r.ProvableListDecodingBits);
        Assert.Equal(r.ProvableListDecodingBits, r.ProvableBits);
        Assert.True(r.ProvableUniqueDecodingBits < 100);

        // Blowup 4, 87 queries.
        var r4 = SecurityCalculator.Compute(Table(4, queries: 87));
        Assert.True(r4.ProvableBits >= 100);
    }

    [Fact]
    public void Blowup4And8WithVerityDefaults_NeedTheseQueries()
    {
        // Goldilocks^3, n = 2^18, ~70 constraints, ~80 committed polys, degree 3, FRI arity 4,
        // remainder ≤ 127, 16 grinding bits: the shipped parameter sets (blowup 4 / 87 queries and
        // blowup 8 / 58 queries) must give ≥ 100 provable bits.
        var t4 = new SecurityInputs(64, 3, 4, 1, 16, 18, 70, 80, 3, 4, 127);
        var t8 = t4 with { Blowup = 8 };
        int q4 = SecurityCalculator.MinQueriesForProvableBits(t4, 100);
        int q8 = SecurityCalculator.MinQueriesForProvableBits(t8, 100);
        Assert.Equal(85, q4);
        Assert.Equal(57, q8);
        Assert.True(SecurityCalculator.Compute(t4 with { Queries = 87 }).ProvableBits >= 100);
        Assert.True(SecurityCalculator.Compute(t8 with { Queries = 58 }).ProvableBits >= 100);
    }

    // ---------------------------------------------------------------------------------------------
    // Cross-check against the unit tests of facebook/winterfell air/src/proof/security.rs (v0.13
    // line, commit 30c50536). Winterfell's "linear" batching has batching factor 1, which is our
    // algebraic factor (C − 1) at C = 2 (and (P − 1) at P = 2), so linear cases use 2 here.
    // Winterfell uses Goldilocks (MODULUS_BITS = 64), 128-bit collision resistance, and bounds the
    // constraint degree by the blowup (we pass degree 2, below blowup + 1, so the DEEP term is equal).
    // ---------------------------------------------------------------------------------------------

    [Theory]
    // ext, arity, remainder, grinding, blowup, queries, log2 n, C, P, expected UDR (-1: not asserted), expected LDR
    [InlineData(2, 2, 127, 20, 4, 119, 20, 2, 2, 100, 69)]        // get_100_bits_security
    [InlineData(2, 2, 127, 20, 4, 150, 20, 2, 2, -1, 69)]
    [InlineData(3, 2, 127, 20, 4, 81, 20, 2, 2, -1, 100)]
    [InlineData(2, 2, 7, 16, 8, 123, 8, 2, 2, 116, -1)]           // unique_decoding_folding_factor_effect
    [InlineData(2, 4, 7, 16, 8, 123, 8, 2, 2, 115, -1)]
    [InlineData(2, 2, 7, 20, 2, 195, 8, 2, 2, 100, -1)]           // unique_versus_list_decoding_rate_effect
    [InlineData(3, 2, 7, 20, 2, 163, 8, 2, 2, -1, 100)]
    [InlineData(2, 2, 7, 20, 4, 119, 8, 2, 2, 100, -1)]
    [InlineData(3, 2, 7, 20, 4, 81, 8, 2, 2, -1, 100)]
    [InlineData(3, 8, 127, 20, 4, 80, 18, 2, 2, -1, 99)]          // get_96_bits_security
    [InlineData(3, 8, 127, 20, 8, 53, 18, 2, 2, -1, 99)]
    [InlineData(3, 8, 127, 20, 8, 85, 18, 2, 2, -1, 128)]         // get_128_bits_security
    [InlineData(3, 8, 127, 20, 16, 65, 18, 2, 2, -1, 128)]
    [InlineData(2, 8, 127, 20, 8, 85, 18, 2, 2, -1, 70)]          // extension_degree
    [InlineData(2, 8, 255, 20, 8, 120, 16, 2, 2, 106, -1)]        // deep_batching_method_udr
    [InlineData(2, 8, 255, 20, 8, 120, 16, 2, 4, 106, -1)]
    [InlineData(2, 8, 255, 20, 8, 120, 16, 2, 32, 104, -1)]
    [InlineData(2, 8, 255, 20, 8, 120, 16, 2, 256, 101, -1)]
    [InlineData(3, 8, 255, 20, 8, 120, 22, 2, 2, -1, 126)]        // deep_batching_method_ldr
    [InlineData(3, 8, 255, 20, 8, 120, 22, 2, 256, -1, 118)]
    [InlineData(2, 2, 255, 20, 8, 120, 16, 2, 2, 108, -1)]        // constraints_batching_method_udr
    [InlineData(2, 2, 255, 20, 8, 120, 16, 1 << 19, 2, 108, -1)]
    [InlineData(2, 2, 255, 20, 8, 120, 16, 1 << 21, 2, 107, -1)]
    [InlineData(2, 2, 255, 20, 8, 120, 16, 1 << 23, 2, 105, -1)]
    public void MatchesWinterfellTestVectors(int ext, int arity, int remainder, int grinding, int blowup, int queries,
        int log2n, int constraints, int polys, int expectedUdr, int expectedLdr)
    {
        var r = SecurityCalculator.Compute(new SecurityInputs(64, ext, blowup, queries, grinding, log2n,
            constraints, polys, MaxConstraintDegree: 2, arity, remainder, HashCollisionBits: 128));
        if (expectedUdr >= 0) Assert.Equal(expectedUdr, r.ProvableUniqueDecodingBits);
        if (expectedLdr >= 0) Assert.Equal(expectedLdr, r.ProvableListDecodingBits);
    }

    [Fact]
    public void WinterfellTrend_ShorterTraceOrLargerBlowupIsMoreSecure()
    {
        var baseline = new SecurityInputs(64, 3, 8, 30, 20, 20, 2, 2, 2, 8, 127);
        double b = SecurityCalculator.Compute(baseline).ProvableListDecodingBits;
        Assert.True(SecurityCalculator.Compute(baseline with { TraceLengthLog2 = 16, Queries = 80 }).ProvableListDecodingBits
                    > SecurityCalculator.Compute(baseline with { Queries = 80 }).ProvableListDecodingBits);
        Assert.True(SecurityCalculator.Compute(baseline with { Blowup = 16 }).ProvableListDecodingBits > b);
    }

    // ---------------------------------------------------------------------------------------------
    // Conjectured bound details
    // ---------------------------------------------------------------------------------------------

    [Fact]
    public void Conjectured_CountsGrindingOnlyFrom80QueryBits()
    {
        // Blowup 2: one bit per query. 79 queries → 79 − 1 = 78 bits, grinding not counted.
        Assert.Equal(78, SecurityCalculator.Compute(Table(2, queries: 79)).ConjecturedBits);
        // 80 queries → 80 + 16 − 1 = 95 bits.
        Assert.Equal(95, SecurityCalculator.Compute(Table(2, queries: 80)).ConjecturedBits);
        // Capped by hash collision resistance.
        Assert.Equal(128, SecurityCalculator.Compute(Table(8, queries: 100)).ConjecturedBits);
        Assert.Equal(64, SecurityCalculator.Compute(Table(8, queries: 100) with { HashCollisionBits = 64 }).ConjecturedBits);
    }

    [Fact]
    public void Conjectured_CappedByFieldSize()
    {
        // A single 64-bit field: min(64, 3·100 + 16) − 1 = 63.
        Assert.Equal(63, SecurityCalculator.Compute(Table(8, extensionDegree: 1, queries: 100)).ConjecturedBits);
    }

    [Fact]
    public void ProvableBitsAreCappedByHashCollisionBits()
    {
        var r = SecurityCalculator.Compute(Table(8, queries: 400));
        Assert.Equal(128, r.ProvableUniqueDecodingBits);
        // The list-decoding bound is limited by its field terms here (N = 2^25, 400 batched polys).
        Assert.Equal(117, r.ProvableListDecodingBits);
        Assert.Equal(128, r.ProvableBits);
        var fewPolys = SecurityCalculator.Compute(Table(8, queries: 400) with { NumCommittedPolys = 2, TraceLengthLog2 = 16 });
        Assert.Equal(128, fewPolys.ProvableListDecodingBits);
        var low = SecurityCalculator.Compute(Table(8, queries: 400) with { HashCollisionBits = 96 });
        Assert.Equal(96, low.ProvableBits);
        Assert.Equal(96, low.ConjecturedBits);
    }

    [Fact]
    public void AllReportedBitsAreWholeNonNegativeNumbers()
    {
        foreach (int blowup in new[] { 2, 4, 8, 16 })
            foreach (int q in new[] { 1, 7, 40, 90 })
            {
                var r = SecurityCalculator.Compute(Table(blowup, queries: q));
                foreach (double v in new[] { r.ConjecturedBits, r.ProvableBits, r.ProvableUniqueDecodingBits, r.ProvableListDecodingBits })
                {
                    Assert.True(v >= 0);
                    Assert.Equal(Math.Floor(v), v);
                }
                Assert.Equal(Math.Max(r.ProvableUniqueDecodingBits, r.ProvableListDecodingBits), r.ProvableBits);
            }
    }

    // ---------------------------------------------------------------------------------------------
    // Monotonicity
    // ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void MoreQueriesNeverLowerAnyBound(int blowup)
    {
        SecurityReport? prev = null;
        for (int q = 1; q <= 260; q++)
        {
            var r = SecurityCalculator.Compute(Table(blowup, queries: q));
            if (prev is not null)
            {
                Assert.True(r.ConjecturedBits >= prev.ConjecturedBits, $"conjectured fell at q={q}");
                Assert.True(r.ProvableUniqueDecodingBits >= prev.ProvableUniqueDecodingBits, $"UDR fell at q={q}");
                Assert.True(r.ProvableListDecodingBits >= prev.ProvableListDecodingBits, $"LDR fell at q={q}");
                Assert.True(r.ProvableBits >= prev.ProvableBits, $"provable fell at q={q}");
            }
            prev = r;
        }
    }

    [Theory]
    [InlineData(2, 90)]
    [InlineData(4, 20)]   // below the 80-bit floor: conjectured ignores grinding but must not drop
    [InlineData(8, 50)]
    public void MoreGrindingNeverLowersAnyBound(int blowup, int queries)
    {
        SecurityReport? prev = null;
        for (int g = 0; g <= 40; g++)
        {
            var r = SecurityCalculator.Compute(Table(blowup, queries: queries, grinding: g));
            if (prev is not null)
            {
                Assert.True(r.ConjecturedBits >= prev.ConjecturedBits);
                Assert.True(r.ProvableUniqueDecodingBits >= prev.ProvableUniqueDecodingBits);
                Assert.True(r.ProvableListDecodingBits >= prev.ProvableListDecodingBits);
                Assert.True(r.ProvableBits >= prev.ProvableBits);
            }
            prev = r;
        }
        // And grinding does add bits to the provable query term when it is the binding one.
        Assert.True(SecurityCalculator.Compute(Table(blowup, queries: 20, grinding: 20)).ProvableBits
                    > SecurityCalculator.Compute(Table(blowup, queries: 20, grinding: 0)).ProvableBits);
    }

    [Fact]
    public void LargerFieldRaisesProvableBits()
    {
        foreach (int blowup in new[] { 2, 4, 8 })
        {
            // Enough queries that the field-dependent terms bind.
            var gl2 = SecurityCalculator.Compute(Table(blowup, extensionDegree: 2, queries: 400));
            var gl3 = SecurityCalculator.Compute(Table(blowup, extensionDegree: 3, queries: 400) with { HashCollisionBits = 256 });
            Assert.True(gl3.ProvableBits > gl2.ProvableBits);
            Assert.True(gl3.ProvableListDecodingBits > gl2.ProvableListDecodingBits);
            Assert.True(gl3.ProvableUniqueDecodingBits > gl2.ProvableUniqueDecodingBits);
        }

        // Over a grid, raising FieldBits never lowers any provable bound.
        foreach (int q in new[] { 10, 60, 150, 400 })
        {
            SecurityReport? prev = null;
            for (double fieldBits = 40; fieldBits <= 100; fieldBits += 2.5)
            {
                var r = SecurityCalculator.Compute(Table(8, queries: q) with { FieldBits = fieldBits, HashCollisionBits = 256 });
                if (prev is not null)
                {
                    Assert.True(r.ProvableUniqueDecodingBits >= prev.ProvableUniqueDecodingBits);
                    Assert.True(r.ProvableListDecodingBits >= prev.ProvableListDecodingBits);
                }
                prev = r;
            }
        }
    }

    [Fact]
    public void MoreConstraintsOrCommittedPolysNeverRaiseProvableBits()
    {
        var baseline = SecurityCalculator.Compute(Table(8, queries: 200) with { HashCollisionBits = 256 });
        var moreC = SecurityCalculator.Compute(Table(8, queries: 200) with { HashCollisionBits = 256, NumConstraints = 1 << 20 });
        var moreP = SecurityCalculator.Compute(Table(8, queries: 200) with { HashCollisionBits = 256, NumCommittedPolys = 1 << 20 });
        Assert.True(moreC.ProvableBits <= baseline.ProvableBits);
        Assert.True(moreP.ProvableBits < baseline.ProvableBits);
    }

    // ---------------------------------------------------------------------------------------------
    // Small fields
    // ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void GoldilocksQuadraticCannotReach100ProvableBits(int blowup)
    {
        var t = Table(blowup, extensionDegree: 2);
        var best = SecurityCalculator.Compute(t with { Queries = 1000 });
        Assert.True(best.ProvableBits < 100, $"got {best.ProvableBits}");
        // zk.md: max ~54–61 (LDR) and ~94–96 (UDR).
        Assert.InRange(best.ProvableListDecodingBits, 50, 62);
        Assert.InRange(best.ProvableUniqueDecodingBits, 93, 97);
        var ex = Assert.Throws<ArgumentException>(() => SecurityCalculator.MinQueriesForProvableBits(t, 100));
        Assert.Equal("targetBits", ex.ParamName);
        // Conjectured 100 bits is still reachable in a 128-bit field.
        Assert.True(SecurityCalculator.MinQueriesForConjecturedBits(t, 100) > 0);
    }

    [Fact]
    public void MinQueriesThrowsWhenCapOrLimitMakesTargetUnreachable()
    {
        // Above the hash collision cap.
        Assert.Throws<ArgumentException>(() => SecurityCalculator.MinQueriesForConjecturedBits(Table(8), 129));
        Assert.Throws<ArgumentException>(() => SecurityCalculator.MinQueriesForProvableBits(Table(8), 129));
        // Query limit too small.
        Assert.Throws<ArgumentException>(() => SecurityCalculator.MinQueriesForProvableBits(Table(8), 100, maxQueries: 57));
        Assert.Equal(58, SecurityCalculator.MinQueriesForProvableBits(Table(8), 100, maxQueries: 58));
    }

    [Fact]
    public void MinQueriesMatchesLinearScan()
    {
        foreach (int blowup in new[] { 2, 4, 8, 16 })
            foreach (double target in new[] { 20.0, 64, 80, 100, 110.5, 128 })
            {
                var t = Table(blowup);
                Assert.Equal(MinQueries(t, target, r => r.ProvableBits), SecurityCalculator.MinQueriesForProvableBits(t, target));
                Assert.Equal(MinQueries(t, target, r => r.ConjecturedBits), SecurityCalculator.MinQueriesForConjecturedBits(t, target));
            }
    }

    // ---------------------------------------------------------------------------------------------
    // Round terms, LogUp and union bounds
    // ---------------------------------------------------------------------------------------------

    [Fact]
    public void RoundTermsMatchTheFormulasByHand()
    {
        // Default set at n = 2^3 (N = 64), C = 750, P = 946 (the zkVM segment AIR's counts), degree 3, arity 4.
        var r = SecurityCalculator.Compute(new SecurityInputs(64, 3, 8, 58, 16, 3, 750, 946, 3, 4, 127));
        var u = r.UniqueDecodingTerms;
        Assert.Equal(192 - Math.Log2(749), u.Ali, 9);                      // (C − 1)/|F|
        Assert.Equal(192 - Math.Log2(9 * 9 + 7), u.Deep, 9);                // d = B + 1 = 9: (d·(n + 1) + n − 1)/|F|
        Assert.Equal(192 - Math.Log2(64 * 945), u.Batch, 9);                // N·(P − 1)/|F|
        Assert.Equal(double.PositiveInfinity, u.Fold);                      // 64 ≤ (127 + 1)·8: no FRI layer
        Assert.Equal(16 - 58 * Math.Log2((1 + 10.0 / 64) / 2), u.Query, 9); // α = (1 + (n + 2)/N)/2
        Assert.Equal(Math.Floor(u.Min), r.ProvableUniqueDecodingBits);

        // List decoding at m = 3 (the only m for n = 8): L = 3/(1/8 − 6/64) = 96.
        var l = r.ListDecodingTerms;
        Assert.Equal(3, r.ListDecodingM);
        Assert.Equal(192 - Math.Log2(96) - Math.Log2(749), l.Ali, 9);
        Assert.Equal(192 - Math.Log2(96.0 * 96 * 88), l.Deep, 9);
        Assert.Equal(192 - (7 * Math.Log2(3.5) - Math.Log2(3) + 1.5 * 3 + 2 * 6 + Math.Log2(945)), l.Batch, 9);
        Assert.Equal(103 - 58 * Math.Log2(7.0 / 6), l.Query, 9);            // 16 − 58·log2((7/6)·√(1/8))
        Assert.True(r.ListDecodingDecides);
        Assert.Same(l, r.DecidingTerms);
        Assert.Equal(90, r.ProvableBits);
        Assert.Equal(l.Query, r.ProvableBitsExact, 9);                       // the query round binds
    }

    [Fact]
    public void ProvableBitsExactRoundsDownToProvableBits()
    {
        foreach (int blowup in new[] { 2, 4, 8, 16 })
            foreach (int q in new[] { 1, 30, 58, 90, 400 })
            {
                var r = SecurityCalculator.Compute(Table(blowup, queries: q));
                Assert.Equal(r.ProvableBits, SecurityCalculator.WholeBits(r.ProvableBitsExact));
                Assert.True(r.ProvableBitsExact <= 128);
            }
    }

    [Fact]
    public void LogUpBitsAreTheFieldMinusFractionsTimesDegreePlusOne()
    {
        // 2^20 fractions, fingerprints of degree 3 in β: 2^20·4/2^192 → 192 − 20 − 2 = 170 bits.
        Assert.Equal(170, SecurityCalculator.LogUpBits(64, 3, 1 << 20, 3), 12);
        // The zkVM memory bus: tuples of 4 values (degree 4), 2^23 fractions: 192 − 23 − log2 5.
        Assert.Equal(169 - Math.Log2(5), SecurityCalculator.LogUpBits(64, 3, 1 << 23, 4), 12);
        Assert.Equal(double.PositiveInfinity, SecurityCalculator.LogUpBits(64, 3, 0, 3));
        Assert.Throws<ArgumentException>(() => SecurityCalculator.LogUpBits(64, 3, -1, 3));
        Assert.Throws<ArgumentException>(() => SecurityCalculator.LogUpBits(64, 3, 8, 0));
    }

    [Fact]
    public void UnionBitsAddTheErrors()
    {
        Assert.Equal(99, SecurityCalculator.UnionBits([100, 100]), 12);                 // 2·2^−100
        Assert.Equal(98, SecurityCalculator.UnionBits([100, 100, 100, 100]), 12);       // 4·2^−100
        Assert.Equal(100 - Math.Log2(17), SecurityCalculator.UnionBits(Enumerable.Repeat(100.0, 17)), 12);
        Assert.Equal(100 - Math.Log2(1.5), SecurityCalculator.UnionBits([100, 101]), 12);
        Assert.Equal(100, SecurityCalculator.UnionBits([100, double.PositiveInfinity]), 12);
        Assert.Equal(double.PositiveInfinity, SecurityCalculator.UnionBits([]));
        // Terms far apart do not underflow: 2^−100 + 2^−2000.
        Assert.Equal(100, SecurityCalculator.UnionBits([100, 2000]), 12);
        Assert.True(SecurityCalculator.UnionBits([100, 140]) < 100); // 100 − 2^−40/ln 2
        Assert.Equal(99, SecurityCalculator.WholeBits(SecurityCalculator.UnionBits([100, 100])));
        Assert.Equal(0, SecurityCalculator.WholeBits(-3));
    }

    // ---------------------------------------------------------------------------------------------
    // Validation
    // ---------------------------------------------------------------------------------------------

    public static TheoryData<string, SecurityInputs> InvalidInputs()
    {
        var ok = Table(8, queries: 58);
        return new TheoryData<string, SecurityInputs>
        {
            { "FieldBits", ok with { FieldBits = 0 } },
            { "FieldBits", ok with { FieldBits = -64 } },
            { "FieldBits", ok with { FieldBits = double.NaN } },
            { "FieldBits", ok with { FieldBits = double.PositiveInfinity } },
            { "ExtensionDegree", ok with { ExtensionDegree = 0 } },
            { "Blowup", ok with { Blowup = 1 } },
            { "Blowup", ok with { Blowup = 3 } },
            { "Blowup", ok with { Blowup = 0 } },
            { "Blowup", ok with { Blowup = -8 } },
            { "Queries", ok with { Queries = 0 } },
            { "Queries", ok with { Queries = -5 } },
            { "GrindingBits", ok with { GrindingBits = -1 } },
            { "GrindingBits", ok with { GrindingBits = 65 } },
            { "TraceLengthLog2", ok with { TraceLengthLog2 = 2 } },
            { "TraceLengthLog2", ok with { TraceLengthLog2 = 63 } },
            { "TraceLengthLog2", ok with { FieldBits = 31, TraceLengthLog2 = 28 } }, // 2^31 LDE points in a 31-bit field
            { "NumConstraints", ok with { NumConstraints = 0 } },
            { "NumCommittedPolys", ok with { NumCommittedPolys = 0 } },
            { "MaxConstraintDegree", ok with { MaxConstraintDegree = 0 } },
            { "FriFoldingArity", ok with { FriFoldingArity = 1 } },
            { "FriFoldingArity", ok with { FriFoldingArity = 3 } },
            { "FriRemainderMaxDegree", ok with { FriRemainderMaxDegree = -1 } },
            { "HashCollisionBits", ok with { HashCollisionBits = 0 } },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidInputs))]
    public void InvalidInputsThrow(string parameter, SecurityInputs inputs)
    {
        var ex = Assert.Throws<ArgumentException>(() => SecurityCalculator.Compute(inputs));
        Assert.Equal(parameter, ex.ParamName);
        Assert.Contains(parameter, ex.Message);
        // The query searches validate the template too (Queries is replaced, everything else checked).
        if (parameter != "Queries")
        {
            Assert.Throws<ArgumentException>(() => SecurityCalculator.MinQueriesForProvableBits(inputs, 100));
            Assert.Throws<ArgumentException>(() => SecurityCalculator.MinQueriesForConjecturedBits(inputs, 100));
        }
    }

    [Fact]
    public void InvalidSearchArgumentsThrow()
    {
        Assert.Throws<ArgumentNullException>(() => SecurityCalculator.Compute(null!));
        Assert.Throws<ArgumentNullException>(() => SecurityCalculator.MinQueriesForProvableBits(null!, 100));
        Assert.Throws<ArgumentException>(() => SecurityCalculator.MinQueriesForProvableBits(Table(8), 0));
        Assert.Throws<ArgumentException>(() => SecurityCalculator.MinQueriesForProvableBits(Table(8), double.NaN));
        Assert.Throws<ArgumentException>(() => SecurityCalculator.MinQueriesForConjecturedBits(Table(8), -1));
        Assert.Throws<ArgumentException>(() => SecurityCalculator.MinQueriesForConjecturedBits(Table(8), 100, maxQueries: 0));
    }

    [Fact]
    public void SmallestTraceIsAccepted()
    {
        var r = SecurityCalculator.Compute(Table(8, queries: 58) with { TraceLengthLog2 = 3 });
        Assert.Equal(3, r.ListDecodingM); // only m = 3 keeps ρ − 2m/N > 0 for n = 8
        Assert.True(r.ProvableBits > 0);
    }
}
