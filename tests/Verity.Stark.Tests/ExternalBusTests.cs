using Verity.Algebra;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Air.Transcripts;
using Verity.Stark.Examples;
using Verity.Stark.Prover;
using Verity.Stark.Verifier;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

/// <summary>
/// The split-proof protocol: phase 1 commits every segment's precommitted tables, the caller draws
/// the external challenges from those roots, each segment is proved on its own, and the caller
/// checks that the external sums the verifier returns add up to zero.
/// </summary>
public class ExternalBusTests
{
    private static readonly (ulong Key, ulong Value)[] Transfers = [(1, 100), (2, 200), (7, 700), (9, 900), (3, 333)];

    private static readonly ExampleStatement Exporter = SplitTransferAir.CreateSegment(0, 4, Transfers, []);
    private static readonly ExampleStatement Importer = SplitTransferAir.CreateSegment(16, 5, [], Transfers);
    private static readonly ExternalChallenges Challenges = Derive(Exporter, Importer);
    private static readonly byte[] ExporterProof = ProveSegment(Exporter, Challenges);
    private static readonly byte[] ImporterProof = ProveSegment(Importer, Challenges);

    /// <summary>The caller's phase 1: absorb every segment's statement and precommitted root, then draw γₑ, βₑ.</summary>
    private static ExternalChallenges Derive(params ExampleStatement[] segments)
    {
        var transcript = new Transcript(Fast.Hash, "test.split-transfer");
        foreach (var s in segments)
        {
            transcript.AbsorbBase(s.PublicInputs);
            transcript.AbsorbDigest(StarkProver.CommitMainTrace(s.Air, SplitTransferAir.BoundaryTable, s.Traces[SplitTransferAir.BoundaryTable], SplitTransferAir.LogHeights(s), Fast));
        }
        return ExternalChallenges.Draw(transcript);
    }

    private static byte[] ProveSegment(ExampleStatement s, ExternalChallenges challenges) =>
        ProofCodec.Serialize(StarkProver.Prove(s.Air, s.Traces, s.PublicInputs, Fast, new ProverOptions { ExternalChallenges = challenges }));

    private static VerificationResult VerifySegment(ExampleStatement s, byte[] proof, ExternalChallenges? challenges) =>
        StarkVerifier.Verify(s.Air, s.PublicInputs, proof, Fast, new VerifierOptions { AllowInsecureParameters = true, ExternalChallenges = challenges });

    private static VerificationResult VerifySegment(ExampleStatement s, StarkProof proof, ExternalChallenges? challenges) =>
        StarkVerifier.Verify(s.Air, s.PublicInputs, proof, Fast, new VerifierOptions { AllowInsecureParameters = true, ExternalChallenges = challenges });

    [Fact]
    public void Honest_segments_balance_across_proofs()
    {
        var a = VerifySegment(Exporter, ExporterProof, Challenges);
        var b = VerifySegment(Importer, ImporterProof, Challenges);
        AssertValid(a);
        AssertValid(b);
        Assert.False(a.ExternalSum.IsZero);
        Assert.Equal(Goldilocks3.Zero, a.ExternalSum + b.ExternalSum);
    }

    [Fact]
    public void Receiver_of_different_tuples_does_not_balance()
    {
        (ulong, ulong)[] other = [.. Transfers[..^1], (3, 334)];
        var importer = SplitTransferAir.CreateSegment(16, 5, [], other);
        var challenges = Derive(Exporter, importer);
        // Each proof on its own is valid: only the caller's cross-proof check can catch the mismatch.
        var a = VerifySegment(Exporter, ProveSegment(Exporter, challenges), challenges);
        var b = VerifySegment(importer, ProveSegment(importer, challenges), challenges);
        AssertValid(a);
        AssertValid(b);
        Assert.NotEqual(Goldilocks3.Zero, a.ExternalSum + b.ExternalSum);
    }

    [Fact]
    public void Phase_one_root_is_the_main_root_inside_the_proof()
    {
        var proof = ProofCodec.Deserialize(ImporterProof);
        var heights = SplitTransferAir.LogHeights(Importer);
        Assert.NotEqual(heights[0], heights[1]); // the coset shift depends on the largest table
        for (int t = 0; t < heights.Length; t++)
            Assert.Equal(proof.Tables[t].MainRoot, StarkProver.CommitMainTrace(Importer.Air, t, Importer.Traces[t], heights, Fast));
        // A proof with other heights commits on other cosets.
        Assert.NotEqual(proof.Tables[1].MainRoot, StarkProver.CommitMainTrace(Importer.Air, 1, Importer.Traces[1], [heights[0] + 1, heights[1]], Fast));
    }

    [Fact]
    public void Proof_is_bound_to_its_external_challenges()
    {
        var other = new ExternalChallenges(Challenges.Gamma + Goldilocks3.One, Challenges.Beta);
        AssertRejected(VerifySegment(Exporter, ExporterProof, other));
        AssertRejected(VerifySegment(Exporter, ExporterProof, Challenges with { Beta = Challenges.Beta + Goldilocks3.One }));
    }

    [Fact]
    public void Missing_external_challenges_are_rejected()
    {
        var r = VerifySegment(Exporter, ExporterProof, null);
        AssertRejected(r, "external challenges");
        Assert.Equal(Goldilocks3.Zero, r.ExternalSum);
        Assert.Throws<ArgumentException>(() => StarkProver.Prove(Exporter.Air, Exporter.Traces, Exporter.PublicInputs, Fast));
    }

    [Fact]
    public void External_challenges_for_an_AIR_without_external_buses_are_refused()
    {
        var s = RangeCheckAir.CreateRandom(5, seed: 1);
        AssertRejected(StarkVerifier.Verify(s.Air, s.PublicInputs, Prove(s), Fast, new VerifierOptions { AllowInsecureParameters = true, ExternalChallenges = Challenges }), "no external buses");
        Assert.Throws<ArgumentException>(() => StarkProver.Prove(s.Air, s.Traces, s.PublicInputs, Fast, new ProverOptions { ExternalChallenges = Challenges }));
        Assert.Equal(Goldilocks3.Zero, Verify(s, Prove(s)).ExternalSum);
    }

    [Fact]
    public void Tampered_external_sum_in_the_proof_object_is_rejected()
    {
        var proof = ProofCodec.Deserialize(ExporterProof);
        var t = proof.Tables[SplitTransferAir.BoundaryTable];
        var tampered = With(proof, tables: Replace(proof.Tables, SplitTransferAir.BoundaryTable, WithTable(t, externalSum: t.ExternalSum + Goldilocks3.One)));
        AssertRejected(VerifySegment(Exporter, tampered, Challenges));
        AssertRejected(VerifySegment(Exporter, ProofCodec.Serialize(tampered), Challenges));
        // Shape: an external sum on a table without external interactions, or a missing one.
        var onSteps = With(proof, tables: Replace(proof.Tables, 0, WithTable(proof.Tables[0], externalSum: Goldilocks3.One)));
        AssertRejected(VerifySegment(Exporter, onSteps, Challenges), "external sum");
        var dropped = With(proof, tables: Replace(proof.Tables, SplitTransferAir.BoundaryTable, new TableProof
        {
            LogHeight = t.LogHeight, MainRoot = t.MainRoot, AuxRoot = t.AuxRoot, ClaimedSum = t.ClaimedSum, CompositionRoot = t.CompositionRoot,
            OodAtZ = t.OodAtZ, OodAtGz = t.OodAtGz, MainOpening = t.MainOpening, AuxOpening = t.AuxOpening, CompositionOpening = t.CompositionOpening,
        }));
        AssertRejected(VerifySegment(Exporter, dropped, Challenges), "external sum missing");
    }

    [Fact]
    public void Tampered_external_sum_in_the_bytes_is_rejected()
    {
        var sum = ProofCodec.Deserialize(ExporterProof).Tables[SplitTransferAir.BoundaryTable].ExternalSum;
        var encoded = new byte[24];
        sum.WriteTo(encoded);
        int at = ExporterProof.AsSpan().IndexOf(encoded);
        Assert.True(at > 0);
        for (int i = 0; i < 24; i += 5)
        {
            var mutated = (byte[])ExporterProof.Clone();
            mutated[at + i] ^= 0x01;
            AssertRejected(VerifySegment(Exporter, mutated, Challenges));
        }
    }

    [Fact]
    public void External_proofs_round_trip_and_refuse_inconsistent_flags()
    {
        var proof = ProofCodec.Deserialize(ExporterProof);
        Assert.True(proof.Tables[SplitTransferAir.BoundaryTable].HasExternalSum);
        Assert.False(proof.Tables[0].HasExternalSum);
        Assert.Equal(ExporterProof, ProofCodec.Serialize(proof));
        // Flags of the first table sit after magic, version, two digests, table count and its height.
        int flagsAt = 4 + 2 + 32 + 32 + 1 + 1;
        var bytes = Prove(FibonacciAir.Create(4));
        bytes[flagsAt] = 4; // external sum without an aux commitment
        Assert.Contains("external sum", Assert.Throws<ProofFormatException>(() => ProofCodec.Deserialize(bytes)).Message);
        bytes[flagsAt] = 8;
        Assert.Throws<ProofFormatException>(() => ProofCodec.Deserialize(bytes));
    }

    [Fact]
    public void Table_costs_are_reported_after_pairing()
    {
        var steps = SplitTransferAir.Air.Tables[0];
        var boundary = SplitTransferAir.Air.Tables[SplitTransferAir.BoundaryTable];
        Assert.True(SplitTransferAir.Air.HasExternalBuses);
        Assert.False(steps.IsPrecommitted);
        Assert.True(boundary.IsPrecommitted);
        Assert.Equal((4, 0, 3), (steps.LocalInteractionCount, steps.ExternalInteractionCount, steps.AuxWidth));
        Assert.Equal((2, 2, 4), (boundary.LocalInteractionCount, boundary.ExternalInteractionCount, boundary.AuxWidth));
        Assert.Equal((1, 3), (boundary.LocalSumColumn, boundary.ExternalSumColumn));
        Assert.Contains(boundary.AllConstraints, c => c.Name == "logup.external.claimed" && c.Domain == ConstraintDomain.LastRow);
    }

    [Fact]
    public void External_sum_is_the_LogUp_sum_under_the_external_challenges()
    {
        // A table with external interactions only: its local claimed sum is absent (zero) and not absorbed.
        var b = new AirBuilder("external-only", 0);
        var t = b.Table("out", 2).Precommitted();
        t.SendExternal(11, t.Main(1), t.Main(0));
        var air = b.Build();
        Assert.False(air.HasLocalBuses);
        var rng = new Random(5);
        var keys = Enumerable.Range(0, 8).Select(_ => new Goldilocks((ulong)rng.Next(1 << 30))).ToArray();
        var mults = Enumerable.Range(0, 8).Select(_ => new Goldilocks((ulong)rng.Next(4))).ToArray();
        var challenges = new ExternalChallenges(new Goldilocks3(new(3), new(5), new(7)), new Goldilocks3(new(11), new(13), new(17)));
        var proof = StarkProver.Prove(air, [[keys, mults]], [], Fast, new ProverOptions { ExternalChallenges = challenges });
        var expected = Goldilocks3.Zero;
        for (int i = 0; i < 8; i++) expected += (challenges.Gamma - (challenges.Beta * keys[i] + (Goldilocks3)new Goldilocks(11))).Inverse() * mults[i];
        var options = new VerifierOptions { AllowInsecureParameters = true, ExternalChallenges = challenges };
        var result = StarkVerifier.Verify(air, [], proof, Fast, options);
        AssertValid(result);
        Assert.Equal(expected, result.ExternalSum);

        // The unused local claimed sum must stay zero, in the object and in the bytes.
        AssertRejected(StarkVerifier.Verify(air, [], With(proof, tables: [WithTable(proof.Tables[0], claimedSum: Goldilocks3.One)]), Fast, options), "claimed sum");
        var bytes = ProofCodec.Serialize(proof);
        int claimedAt = 4 + 2 + 32 + 32 + 1 + 1 + 1 + 32 + 32;
        bytes[claimedAt] ^= 1;
        AssertRejected(StarkVerifier.Verify(air, [], bytes, Fast, options), "claimed sum");
    }

    /// <summary>At least 200 single-byte mutations over a proof with local, public and external bus terms.</summary>
    [Fact]
    public void Every_single_byte_mutation_of_a_segment_proof_is_rejected()
    {
        const int samples = 200;
        var rng = new Random(777);
        int stride = ExporterProof.Length / samples;
        for (int k = 0; k < samples; k++)
        {
            int pos = System.Math.Min(ExporterProof.Length - 1, k * stride + rng.Next(System.Math.Max(1, stride)));
            var mutated = (byte[])ExporterProof.Clone();
            mutated[pos] ^= (byte)rng.Next(1, 256);
            Assert.False(VerifySegment(Exporter, mutated, Challenges).IsValid, $"mutation at byte {pos} of {ExporterProof.Length} was accepted");
        }
    }

    private static T[] Replace<T>(T[] a, int i, T v) { var c = (T[])a.Clone(); c[i] = v; return c; }
}
