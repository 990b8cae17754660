using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

/// <summary>
/// The verifier recomputes a preprocessed table's commitment (an LDE and a Merkle tree, cached) for the coset that
/// the proof's largest height implies. Every cheap shape check must come first, so a malformed proof with an absurd
/// height costs nothing. Observed through the commitment cache (keyed by AIR, table and coset), never through time.
/// </summary>
public class CheapChecksFirstTests
{
    private static readonly StarkParameters P = StarkParameters.InsecureTest;
    private const int AbsurdLogHeight = 26;

    // A table of its own ("rom", preprocessed, 8 rows) and a table whose height the prover picks ("cpu").
    private static readonly AirDefinition Air = BuildAir();
    private static readonly Goldilocks[] Pub = [];
    private static readonly StarkProof Honest = ProofCodec.Deserialize(ProveRaw(Air, Witness(), Pub));

    private static AirDefinition BuildAir()
    {
        var b = new AirBuilder("cheap-checks-before-verifying-key", 0);
        var rom = b.Table("rom", 1).WithPreprocessed([.. Enumerable.Range(0, 8).Select(i => new Goldilocks((ulong)i))]);
        rom.EveryRow("a = rom", rom.Main(0) - rom.PreprocessedColumn(0));
        var cpu = b.Table("cpu", 1);
        Expr c = cpu.Main(0);
        cpu.Transition("c' = c + 1", c.Next - c - 1);
        return b.Build();
    }

    private static Goldilocks[][][] Witness() =>
        [[[.. Enumerable.Range(0, 8).Select(i => new Goldilocks((ulong)i))]], [[.. Enumerable.Range(0, 16).Select(i => new Goldilocks((ulong)i))]]];

    private static bool RomCommitmentCached(int maxLogHeight) =>
        PreprocessedCommitment.IsCached(Air, Air.Tables[0], P, Domains.CosetShift(3 + P.LogBlowup, maxLogHeight + P.LogBlowup));

    private static T[] Replace<T>(T[] a, int i, T v) { var c = (T[])a.Clone(); c[i] = v; return c; }

    // With the absurd height the FRI schedule has many more layers than the proof: the FRI shape check catches what
    // the per-table checks let through.
    [Theory]
    [InlineData("height only", "layer roots")]
    [InlineData("opened rows", "cpu' main: 9 opened values")]
    [InlineData("OOD count", "OOD values at g·z")]
    [InlineData("remainder length", "FRI:")]
    [InlineData("FRI openings", "FRI:")]
    [InlineData("Merkle path length", "composition: Merkle proof has")]
    public void Malformed_proof_with_an_absurd_height_is_rejected_before_the_preprocessed_commitment(string tamper, string error)
    {
        var cpu = Honest.Tables[1];
        var absurd = WithTable(cpu, logHeight: AbsurdLogHeight);
        var proof = With(Honest, tables: [Honest.Tables[0], absurd]);
        proof = tamper switch
        {
            "height only" => proof,
            "opened rows" => With(proof, tables: [Honest.Tables[0], WithTable(absurd, main: new GroupOpening([.. cpu.MainOpening.Values, Goldilocks.One], cpu.MainOpening.Proof))]),
            "OOD count" => With(proof, tables: [Honest.Tables[0], WithTable(absurd, oodGz: [.. cpu.OodAtGz, Goldilocks3.One])]),
            "remainder length" => With(proof, remainder: [.. Honest.FriRemainder, Goldilocks3.One]),
            "FRI openings" => With(proof, fri: []),
            "Merkle path length" => With(proof, tables: [Honest.Tables[0], WithTable(absurd, comp: new GroupOpening(cpu.CompositionOpening.Values,
                new MerkleMultiProof(new Digest[cpu.CompositionOpening.Values.Length / 3 * (AbsurdLogHeight + P.LogBlowup) + 1])))]),
            _ => throw new ArgumentOutOfRangeException(nameof(tamper)),
        };
        AssertRejected(Verifier.StarkVerifier.Verify(Air, Pub, proof, P, Verifier.VerifierOptions.InsecureForTests), error);
        AssertRejected(Verify(Air, Pub, ProofCodec.Serialize(proof), P)); // the encoding cannot hold every tampering: any error
        Assert.False(RomCommitmentCached(AbsurdLogHeight), "the verifier computed the preprocessed commitment before rejecting the proof's shape");
    }

    [Fact]
    public void Honest_proof_verifies_and_uses_the_commitment_for_its_own_coset()
    {
        AssertValid(Verify(Air, Pub, ProofCodec.Serialize(Honest), P));
        Assert.True(RomCommitmentCached(4));
    }
}
