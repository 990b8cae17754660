using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Examples;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

/// <summary>
/// One targeted tampering per verifier check (DESIGN §3), each failing at that check with a
/// message naming it. The proof is decoded, one field changed, and re-encoded.
/// </summary>
public class VerifierCheckTests
{
    // No grinding, so a tampered transcript reaches the check under test instead of failing grinding first;
    // a small remainder, so there are several FRI layers.
    private static readonly StarkParameters P = new("targeted", 8, 30, 0, 4, 15, StarkParameters.Default.Hash, isInsecure: true);
    private static readonly ExampleStatement Statement = RangeCheckAir.CreateRandom(9, seed: 11);
    private static readonly StarkProof Honest = ProofCodec.Deserialize(Prove(Statement, P));

    private static VerificationResultAssert Check(Func<StarkProof, StarkProof> tamper) =>
        new(Verify(Statement, ProofCodec.Serialize(tamper(Honest)), P));

    private readonly record struct VerificationResultAssert(Verifier.VerificationResult Result)
    {
        public void Rejected(string containing) => AssertRejected(Result, containing);
    }

    private static T[] Replace<T>(T[] a, int i, T v) { var c = (T[])a.Clone(); c[i] = v; return c; }

    private static readonly Goldilocks3 One = Goldilocks3.One;

    [Fact]
    public void Honest_proof_passes() => AssertValid(Verify(Statement, ProofCodec.Serialize(Honest), P));

    [Fact]
    public void Remainder_of_too_high_degree_is_refused_by_shape() =>
        Check(p => With(p, remainder: [.. p.FriRemainder, One])).Rejected("remainder has");

    // The remainder and the layer roots are absorbed before the query positions are drawn, so changing
    // either moves every query: the openings, made for the honest positions, no longer match.
    [Fact]
    public void Remainder_coefficient_changed_is_rejected() =>
        Check(p => With(p, remainder: Replace(p.FriRemainder, 0, p.FriRemainder[0] + One))).Rejected("Merkle");

    [Fact]
    public void Missing_FRI_layer_is_refused_by_shape() =>
        Check(p => With(p, roots: p.FriLayerRoots[..^1], fri: p.FriOpenings[..^1])).Rejected("layer roots");

    [Fact]
    public void Changed_FRI_layer_root_is_rejected() =>
        Check(p => With(p, roots: Replace(p.FriLayerRoots, 1, new Digest(1, 2, 3, 4)))).Rejected("Merkle");

    [Fact]
    public void Changed_grinding_nonce_is_rejected()
    {
        var s = FibonacciAir.Create(6);
        var proof = ProofCodec.Deserialize(Prove(s, StarkParameters.Default));
        AssertRejected(Verify(s, ProofCodec.Serialize(With(proof, nonce: proof.GrindingNonce + 1)), StarkParameters.Default), "grinding");
    }

    [Fact]
    public void Changed_OOD_value_fails_the_out_of_domain_check() =>
        Check(p => With(p, tables: Replace(p.Tables, 0, WithTable(p.Tables[0], oodZ: Replace(p.Tables[0].OodAtZ, 0, p.Tables[0].OodAtZ[0] + One))))).Rejected("out-of-domain");

    [Fact]
    public void Changed_next_row_OOD_value_fails_the_out_of_domain_check() =>
        Check(p => With(p, tables: Replace(p.Tables, 0, WithTable(p.Tables[0], oodGz: Replace(p.Tables[0].OodAtGz, 1, p.Tables[0].OodAtGz[1] + One))))).Rejected("out-of-domain");

    [Fact]
    public void Wrong_number_of_OOD_values_is_refused_by_shape() =>
        Check(p => With(p, tables: Replace(p.Tables, 0, WithTable(p.Tables[0], oodZ: p.Tables[0].OodAtZ[..^1])))).Rejected("OOD values");

    [Fact]
    public void Changed_opened_trace_value_fails_its_Merkle_check()
    {
        var t = Honest.Tables[0];
        var values = Replace(t.MainOpening.Values, 3, t.MainOpening.Values[3] + Goldilocks.One);
        Check(p => With(p, tables: Replace(p.Tables, 0, WithTable(t, main: new GroupOpening(values, t.MainOpening.Proof))))).Rejected("main: Merkle");
    }

    [Fact]
    public void Changed_Merkle_node_is_rejected()
    {
        var t = Honest.Tables[1];
        var nodes = Replace(t.CompositionOpening.Proof.Nodes, 0, new Digest(9, 9, 9, 9));
        Check(p => With(p, tables: Replace(p.Tables, 1, WithTable(t, comp: new GroupOpening(t.CompositionOpening.Values, new MerkleMultiProof(nodes)))))).Rejected("composition: Merkle");
    }

    [Fact]
    public void Missing_opened_row_is_refused_by_shape()
    {
        var t = Honest.Tables[0];
        var values = t.MainOpening.Values[..^t.MainOpening.Values.Length.CompareTo(0)];
        Check(p => With(p, tables: Replace(p.Tables, 0, WithTable(t, main: new GroupOpening(values, t.MainOpening.Proof))))).Rejected("opened values");
    }

    [Fact]
    public void Changed_FRI_coset_value_is_rejected()
    {
        var o = Honest.FriOpenings[0];
        var values = Replace(o.Values, 0, o.Values[0] + One);
        Check(p => With(p, fri: Replace(p.FriOpenings, 0, new FriLayerOpening(values, o.Proof)))).Rejected("FRI layer 0");
    }

    [Fact]
    public void Extra_Merkle_node_is_rejected()
    {
        var o = Honest.FriOpenings[1];
        Check(p => With(p, fri: Replace(p.FriOpenings, 1, new FriLayerOpening(o.Values, new MerkleMultiProof([.. o.Proof.Nodes, o.Proof.Nodes[0]]))))).Rejected("FRI layer 1");
    }

    [Fact]
    public void Transition_constraints_skip_the_wrap_around_row()
    {
        // Fibonacci's last row does not continue into its first row, yet the proof verifies:
        // the transition divisor excludes row n−1 → row 0.
        var s = FibonacciAir.Create(5);
        Assert.NotEqual(s.Traces[0][0][0], s.Traces[0][1][^1]);
        AssertValid(Verify(s, Prove(s)));
    }
}
