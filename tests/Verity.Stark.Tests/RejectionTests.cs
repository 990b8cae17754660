using Verity.Algebra;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Examples;
using Verity.Stark.Verifier;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

/// <summary>
/// Soundness: every verifier check of DESIGN §3 has a test here that a false statement or a
/// tampered proof is rejected, with an error and without an exception escaping.
/// </summary>
public class RejectionTests
{
    [Fact]
    public void Transition_violation_is_rejected()
    {
        var s = FibonacciAir.Create(6);
        var traces = Clone(s.Traces);
        traces[0][1][20] += Goldilocks.One; // b on row 20 no longer a + b
        AssertRejected(Verify(s.Air, s.PublicInputs, ProveRaw(s.Air, traces, s.PublicInputs)));
    }

    [Fact]
    public void First_row_boundary_violation_is_rejected()
    {
        // The trace starts at (1, 1) but the statement claims it starts at (2, 1): only the boundary fails.
        var s = FibonacciAir.Create(6);
        Goldilocks[] claim = [new Goldilocks(2), Goldilocks.One, s.PublicInputs[2]];
        AssertRejected(Verify(s.Air, claim, ProveRaw(s.Air, s.Traces, claim)));
    }

    [Fact]
    public void Last_row_boundary_violation_is_rejected()
    {
        var s = FibonacciAir.Create(6);
        Goldilocks[] claim = [Goldilocks.One, Goldilocks.One, s.PublicInputs[2] + Goldilocks.One];
        AssertRejected(Verify(s.Air, claim, ProveRaw(s.Air, s.Traces, claim)));
    }

    [Fact]
    public void Every_row_and_periodic_violation_is_rejected()
    {
        var (air, traces) = StatementTests.PeriodicStatement(corrupt: true);
        AssertRejected(Verify(air, [], ProveRaw(air, traces, [])));
    }

    [Fact]
    public void Bus_imbalance_is_rejected()
    {
        // 300 is sent on the byte bus but the byte table cannot receive it.
        var s = RangeCheckAir.Create([1, 2, 3, 300, 4, 5, 6, 7]);
        AssertRejected(Verify(s, Prove(s, rejectInvalid: false)), "LogUp");
    }

    [Fact]
    public void Wrong_multiplicities_are_rejected()
    {
        var s = RangeCheckAir.CreateRandom(6, seed: 4);
        var traces = Clone(s.Traces);
        traces[1][0][7] += Goldilocks.One; // the byte table claims one more 7 than was sent
        AssertRejected(Verify(s.Air, s.PublicInputs, ProveRaw(s.Air, traces, s.PublicInputs)));
    }

    [Fact]
    public void Any_changed_public_input_is_rejected()
    {
        var s = FibonacciAir.Create(6);
        var proof = Prove(s);
        for (int i = 0; i < s.PublicInputs.Length; i++)
        {
            var changed = (Goldilocks[])s.PublicInputs.Clone();
            changed[i] += Goldilocks.One;
            AssertRejected(Verify(s.Air, changed, proof));
        }
        var r = RangeCheckAir.CreateRandom(6, seed: 5);
        AssertRejected(Verify(r.Air, [r.PublicInputs[0] + Goldilocks.One], Prove(r)));
    }

    [Fact]
    public void Proof_for_another_AIR_is_rejected()
    {
        var fib = FibonacciAir.Create(6);
        var syn = SyntheticAir.Create(6, 2);
        AssertRejected(Verify(syn.Air, syn.PublicInputs.Concat([Goldilocks.Zero]).Take(2).ToArray(), Prove(fib)), "different AIR");
    }

    [Fact]
    public void Proof_made_with_weaker_parameters_is_rejected()
    {
        var s = FibonacciAir.Create(7);
        AssertRejected(StarkVerifier.Verify(s.Air, s.PublicInputs, Prove(s, StarkParameters.InsecureTest), StarkParameters.Default), "parameters");
        // Fewer queries than accepted, everything else equal: still refused.
        var weaker = new StarkParameters("weaker", 8, 40, 16, 4, 127, StarkParameters.Default.Hash);
        AssertRejected(StarkVerifier.Verify(s.Air, s.PublicInputs, Prove(s, weaker), StarkParameters.Default), "parameters");
    }

    [Fact]
    public void Default_verifier_refuses_the_insecure_parameter_set()
    {
        var s = FibonacciAir.Create(5);
        AssertRejected(StarkVerifier.Verify(s.Air, s.PublicInputs, Prove(s), StarkParameters.InsecureTest), "insecure");
    }

    [Fact]
    public void Verifier_refuses_parameters_below_the_provable_minimum()
    {
        var weak = new StarkParameters("weak-but-unmarked", 4, 20, 0, 4, 127, StarkParameters.Default.Hash);
        var s = FibonacciAir.Create(7);
        AssertRejected(StarkVerifier.Verify(s.Air, s.PublicInputs, Prove(s, weak), weak), "provable bits");
    }

    [Fact]
    public void Truncated_oversized_and_garbage_proofs_give_clear_errors()
    {
        var s = RangeCheckAir.CreateRandom(5, seed: 6);
        var proof = Prove(s);
        foreach (int len in new[] { 0, 1, 3, 4, 6, 50, 100, proof.Length / 3, proof.Length / 2, proof.Length - 33, proof.Length - 1 })
            AssertRejected(Verify(s, proof[..len]));
        AssertRejected(Verify(s, [.. proof, 0]), "trailing");
        AssertRejected(Verify(s, [.. proof, .. new byte[4096]]), "trailing");
        var rng = new Random(1);
        for (int i = 0; i < 20; i++)
        {
            var garbage = new byte[rng.Next(0, 5000)];
            rng.NextBytes(garbage);
            if (garbage.Length >= 4 && i % 2 == 0) "VSTK"u8.CopyTo(garbage);
            AssertRejected(Verify(s, garbage));
        }
        var huge = (byte[])proof.Clone();
        // A count field claiming 2^31 items must be refused, not allocated.
        BitConverter.GetBytes(int.MaxValue).CopyTo(huge, 4 + 2 + 32 + 32 + 1 + 1 + 1 + 32 + 32 + 24 + 32);
        AssertRejected(Verify(s, huge));
    }

    [Fact]
    public void Non_canonical_field_element_is_rejected_by_the_decoder()
    {
        var s = FibonacciAir.Create(5);
        var proof = Prove(s);
        // The first OOD value starts after magic, version, two digests, table count, height, flags, main and composition roots, count.
        int at = 4 + 2 + 32 + 32 + 1 + 1 + 1 + 32 + 32 + 4;
        BitConverter.GetBytes(ulong.MaxValue).CopyTo(proof, at);
        var r = Verify(s, proof);
        AssertRejected(r, "non-canonical");
    }

    /// <summary>At least 200 single-byte mutations spread over every region of a multi-table proof.</summary>
    [Fact]
    public void Every_single_byte_mutation_is_rejected()
    {
        var s = RangeCheckAir.CreateRandom(6, seed: 7);
        var proof = Prove(s);
        AssertValid(Verify(s, proof));
        const int samples = 240;
        var rng = new Random(12345);
        var rejected = 0;
        for (int k = 0; k < samples; k++)
        {
            // Evenly spaced positions (every region is hit) jittered within their stride, plus a random non-zero xor.
            int stride = proof.Length / samples;
            int pos = System.Math.Min(proof.Length - 1, k * stride + rng.Next(System.Math.Max(1, stride)));
            var mutated = (byte[])proof.Clone();
            mutated[pos] ^= (byte)rng.Next(1, 256);
            var r = Verify(s, mutated);
            Assert.False(r.IsValid, $"mutation at byte {pos} of {proof.Length} was accepted");
            rejected++;
        }
        Assert.Equal(samples, rejected);
    }

    [Fact]
    public void Mutating_each_byte_of_the_header_and_first_table_is_rejected()
    {
        var s = FibonacciAir.Create(4);
        var proof = Prove(s);
        for (int pos = 0; pos < 4 + 2 + 32 + 32 + 1 + 1 + 1 + 32 + 32; pos++)
        {
            var mutated = (byte[])proof.Clone();
            mutated[pos] ^= 0x01;
            Assert.False(Verify(s, mutated).IsValid, $"bit flip at byte {pos} accepted");
        }
    }

    [Fact]
    public void Tampered_claimed_sums_that_still_cancel_are_rejected()
    {
        var s = RangeCheckAir.CreateRandom(6, seed: 8);
        var proof = ProofCodec.Deserialize(Prove(s));
        var delta = new Goldilocks3(new Goldilocks(5), Goldilocks.Zero, Goldilocks.Zero);
        var t0 = proof.Tables[0]; var t1 = proof.Tables[1];
        var tampered = With(proof, tables: [WithTable(t0, claimedSum: t0.ClaimedSum + delta), WithTable(t1, claimedSum: t1.ClaimedSum - delta)]);
        AssertRejected(Verify(s, ProofCodec.Serialize(tampered)));
    }

    [Fact]
    public void Wrong_table_height_claim_is_rejected()
    {
        var s = RangeCheckAir.CreateRandom(6, seed: 2);
        var proof = Prove(s);
        var mutated = (byte[])proof.Clone();
        mutated[4 + 2 + 32 + 32 + 1] = 7; // values table claims 2^7 rows
        AssertRejected(Verify(s, mutated));
    }
}
