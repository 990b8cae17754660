using Verity.Algebra;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Examples;
using Verity.Stark.Verifier;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

/// <summary>
/// The codec refuses field elements ≥ p, but a <see cref="StarkProof"/> built in memory can carry any 64-bit word.
/// <see cref="StarkVerifier.Verify(Air.Model.AirDefinition, Goldilocks[], StarkProof, Air.Parameters.StarkParameters, VerifierOptions?)"/>
/// must refuse them itself, before absorbing or computing with them: p is a second encoding of zero (v + p one of a
/// small v), and the arithmetic assumes canonical inputs.
/// </summary>
public class CanonicalElementTests
{
    private const ulong Prime = Goldilocks.Modulus;
    private static readonly ExampleStatement Statement = RangeCheckAir.CreateRandom(6, seed: 21);
    private static readonly StarkProof Honest = ProofCodec.Deserialize(Prove(Statement));

    private static VerificationResult VerifyInMemory(StarkProof proof, Goldilocks[]? publicInputs = null) =>
        StarkVerifier.Verify(Statement.Air, publicInputs ?? Statement.PublicInputs, proof, Fast, VerifierOptions.InsecureForTests);

    private static T[] Replace<T>(T[] a, int i, T v) { var c = (T[])a.Clone(); c[i] = v; return c; }

    /// <summary>The non-canonical encoding v + p of a small value v (the codec could never produce it).</summary>
    private static Goldilocks PlusP(Goldilocks v)
    {
        Assert.True(v.Value < ulong.MaxValue - Prime, "v + p must fit in 64 bits");
        return new Goldilocks(v.Value + Prime);
    }

    private static readonly Goldilocks3 ZeroAsP = new(new Goldilocks(Prime), Goldilocks.Zero, Goldilocks.Zero);

    private static void AssertNonCanonicalRejected(StarkProof proof, string where)
    {
        var r = VerifyInMemory(proof);
        AssertRejected(r, "not a canonical field element");
        Assert.Contains(where, r.Error);
    }

    [Fact]
    public void Honest_proof_in_memory_verifies() => AssertValid(VerifyInMemory(Honest));

    [Fact]
    public void OOD_value_equal_to_p_is_rejected()
    {
        var t = Honest.Tables[0];
        AssertNonCanonicalRejected(With(Honest, tables: Replace(Honest.Tables, 0, WithTable(t, oodZ: Replace(t.OodAtZ, 2, ZeroAsP)))), "table 'values' OOD values at z: element 2");
        AssertNonCanonicalRejected(With(Honest, tables: Replace(Honest.Tables, 0, WithTable(t, oodGz: Replace(t.OodAtGz, 0, new Goldilocks3(t.OodAtGz[0].C0, t.OodAtGz[0].C1, new Goldilocks(ulong.MaxValue)))))),
            "table 'values' OOD values at g·z: element 0");
    }

    [Fact]
    public void Opened_value_equal_to_p_is_rejected()
    {
        var t = Honest.Tables[0];
        var values = Replace(t.MainOpening.Values, 1, new Goldilocks(Prime));
        AssertNonCanonicalRejected(With(Honest, tables: Replace(Honest.Tables, 0, WithTable(t, main: new GroupOpening(values, t.MainOpening.Proof)))), "table 'values' main opened values: element 1");

        var bytes = Honest.Tables[1];
        var pre = Replace(bytes.PreprocessedOpening!.Values, 0, new Goldilocks(ulong.MaxValue));
        AssertNonCanonicalRejected(With(Honest, tables: Replace(Honest.Tables, 1, WithTable(bytes, pre: new GroupOpening(pre, bytes.PreprocessedOpening.Proof)))), "table 'bytes' preprocessed opened values: element 0");
    }

    [Fact]
    public void Final_polynomial_coefficient_equal_to_p_is_rejected() =>
        AssertNonCanonicalRejected(With(Honest, remainder: Replace(Honest.FriRemainder, Honest.FriRemainder.Length - 1, ZeroAsP)), "FRI remainder: element");

    [Fact]
    public void FRI_opened_value_equal_to_p_is_rejected()
    {
        var o = Honest.FriOpenings[0];
        var v = o.Values[3];
        var tampered = new Goldilocks3(v.C0, new Goldilocks(Prime), v.C2);
        AssertNonCanonicalRejected(With(Honest, fri: Replace(Honest.FriOpenings, 0, new FriLayerOpening(Replace(o.Values, 3, tampered), o.Proof))), "FRI layer 0 opened values: element 3");
    }

    [Fact]
    public void LogUp_claimed_sum_equal_to_p_is_rejected()
    {
        // Both tables have local interactions; a claimed sum of p is zero written differently.
        foreach (int i in new[] { 0, 1 })
        {
            var t = Honest.Tables[i];
            AssertNonCanonicalRejected(With(Honest, tables: Replace(Honest.Tables, i, WithTable(t, claimedSum: ZeroAsP))), $"table '{Statement.Air.Tables[i].Name}' claimed sum");
        }
        var sum = Honest.Tables[0].ClaimedSum; // any word ≥ p in any coefficient
        var high = new Goldilocks3(sum.C0, sum.C1, new Goldilocks(ulong.MaxValue));
        AssertNonCanonicalRejected(With(Honest, tables: Replace(Honest.Tables, 0, WithTable(Honest.Tables[0], claimedSum: high))), "table 'values' claimed sum: element 0 is not a canonical field element (coefficient 2");
    }

    [Fact]
    public void Non_canonical_public_input_is_rejected()
    {
        var r = VerifyInMemory(Honest, [PlusP(Goldilocks.One)]);
        AssertRejected(r, "public inputs: element 0 is not a canonical field element");
    }
}
