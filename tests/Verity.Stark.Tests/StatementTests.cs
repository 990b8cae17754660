using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Examples;
using Verity.Stark.Prover;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

/// <summary>Valid statements prove and verify: single table, buses across tables, periodic columns, every parameter set.</summary>
public class StatementTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(10)]
    public void Fibonacci_proves_and_verifies(int logRows)
    {
        var s = FibonacciAir.Create(logRows);
        AssertValid(Verify(s, Prove(s)));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("blowup4")]
    [InlineData("default-keccak")]
    public void Fibonacci_verifies_under_secure_parameter_sets(string name)
    {
        var p = StarkParameters.FromName(name);
        var s = FibonacciAir.Create(7);
        AssertValid(Verify(s, Prove(s, p), p));
    }

    [Theory]
    [InlineData(5)]  // values table smaller than the byte table
    [InlineData(8)]  // same height
    [InlineData(11)] // larger
    public void Range_check_over_a_LogUp_bus_proves_and_verifies(int logRows)
    {
        var s = RangeCheckAir.CreateRandom(logRows, seed: logRows);
        AssertValid(Verify(s, Prove(s)));
    }

    [Fact]
    public void Range_check_verifies_under_the_default_parameters()
    {
        var s = RangeCheckAir.CreateRandom(9, seed: 3);
        AssertValid(Verify(s, Prove(s, StarkParameters.Default), StarkParameters.Default));
    }

    [Fact]
    public void Degree_three_synthetic_statement_proves_and_verifies()
    {
        var s = SyntheticAir.Create(logRows: 6, width: 8);
        AssertValid(Verify(s, Prove(s)));
    }

    [Fact]
    public void Periodic_and_every_row_constraints_prove_and_verify()
    {
        var (air, traces) = PeriodicStatement(corrupt: false);
        AssertValid(Verify(air, [], ProveRaw(air, traces, [])));
    }

    /// <summary>Column 0 must equal the periodic pattern 1,0,0,0 and be boolean; column 1 counts its ones.</summary>
    internal static (AirDefinition, Goldilocks[][][]) PeriodicStatement(bool corrupt)
    {
        var b = new AirBuilder("periodic", 0);
        var t = b.Table("t", 2);
        var pattern = t.AddPeriodic(1, 0, 0, 0);
        Expr flag = t.Main(0), count = t.Main(1);
        t.EveryRow("flag is boolean", flag * (flag - 1));
        t.EveryRow("flag follows the pattern", flag - pattern);
        t.FirstRow("count starts at flag", count - flag);
        t.Transition("count' = count + flag'", count.Next - count - flag.Next);
        var air = b.Build();
        int n = 32;
        var f = new Goldilocks[n];
        var c = new Goldilocks[n];
        for (int i = 0; i < n; i++) f[i] = new Goldilocks(i % 4 == 0 ? 1UL : 0UL);
        if (corrupt) f[5] = Goldilocks.One; // boolean, but breaks the pattern
        var acc = Goldilocks.Zero;
        for (int i = 0; i < n; i++) { acc += f[i]; c[i] = acc; }
        return (air, [[f, c]]);
    }

    [Fact]
    public void Serialization_round_trips_exactly()
    {
        var s = RangeCheckAir.CreateRandom(6, seed: 9);
        var bytes = Prove(s);
        Assert.Equal(bytes, ProofCodec.Serialize(ProofCodec.Deserialize(bytes)));
    }

    [Fact]
    public void Reused_workspace_buffers_give_identical_proofs()
    {
        var workspace = new ProverWorkspace();
        var options = new ProverOptions { Workspace = workspace };
        var range = RangeCheckAir.CreateRandom(7, seed: 5);
        var fib = FibonacciAir.Create(7);
        var first = ProofCodec.Serialize(StarkProver.Prove(range.Air, range.Traces, range.PublicInputs, Fast, options));
        Assert.True(workspace.RetainedBytes > 0);
        // A different statement in between leaves stale values in the shared buffers.
        AssertValid(Verify(fib, ProofCodec.Serialize(StarkProver.Prove(fib.Air, fib.Traces, fib.PublicInputs, Fast, options))));
        var second = ProofCodec.Serialize(StarkProver.Prove(range.Air, range.Traces, range.PublicInputs, Fast, options));
        Assert.Equal(first, second);
        Assert.Equal(Prove(range), second);
        AssertValid(Verify(range, second));
    }

    [Fact]
    public void Proving_is_deterministic()
    {
        var s = FibonacciAir.Create(5);
        Assert.Equal(Prove(s), Prove(s));
    }

    [Fact]
    public void Prover_names_the_violated_constraint()
    {
        var s = FibonacciAir.Create(5);
        var traces = Clone(s.Traces);
        traces[0][1][9] += Goldilocks.One;
        var e = Assert.Throws<InvalidWitnessException>(() => StarkProver.Prove(s.Air, traces, s.PublicInputs, Fast));
        Assert.Contains("Table 'fib': constraint", e.Message);
        Assert.Contains("row 9", e.Message);
    }

    [Fact]
    public void Prover_refuses_an_unbalanced_bus()
    {
        var s = RangeCheckAir.Create([1, 2, 3, 300, 4, 5, 6, 7]);
        var e = Assert.Throws<InvalidWitnessException>(() => StarkProver.Prove(s.Air, s.Traces, s.PublicInputs, Fast));
        Assert.Contains("balance", e.Message);
    }

    [Fact]
    public void Prover_rejects_malformed_witness_shapes()
    {
        var s = FibonacciAir.Create(4);
        Assert.Throws<ArgumentException>(() => StarkProver.Prove(s.Air, [[s.Traces[0][0]]], s.PublicInputs, Fast));
        Assert.Throws<ArgumentException>(() => StarkProver.Prove(s.Air, [[s.Traces[0][0], s.Traces[0][1][..7]]], s.PublicInputs, Fast));
        Assert.Throws<ArgumentException>(() => StarkProver.Prove(s.Air, s.Traces, [Goldilocks.One], Fast));
        Assert.Throws<ArgumentException>(() => StarkProver.Prove(s.Air, [[new Goldilocks[4], new Goldilocks[4]]], [Goldilocks.One, Goldilocks.One, Goldilocks.One], Fast));
    }

    [Fact]
    public void Air_identity_changes_with_any_constraint()
    {
        var a = new AirBuilder("x", 0); var t = a.Table("t", 1); t.Transition("c", t.Main(0).Next - t.Main(0));
        var b = new AirBuilder("x", 0); var u = b.Table("t", 1); u.Transition("c", u.Main(0).Next - u.Main(0) - 1);
        Assert.NotEqual(a.Build().Identity, b.Build().Identity);
    }
}
