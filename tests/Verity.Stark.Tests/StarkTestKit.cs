using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Examples;
using Verity.Stark.Prover;
using Verity.Stark.Verifier;

namespace Verity.Stark.Tests;

/// <summary>Shortcuts shared by the STARK tests.</summary>
internal static class StarkTestKit
{
    /// <summary>Fast parameters for tests that exercise logic rather than security (the verifier must opt in).</summary>
    public static StarkParameters Fast => StarkParameters.InsecureTest;

    public static byte[] Prove(ExampleStatement s, StarkParameters? p = null, bool rejectInvalid = true) =>
        ProofCodec.Serialize(StarkProver.Prove(s.Air, s.Traces, s.PublicInputs, p ?? Fast, new ProverOptions { RejectInvalidWitness = rejectInvalid }));

    public static byte[] ProveRaw(AirDefinition air, Goldilocks[][][] traces, Goldilocks[] pub, StarkParameters? p = null) =>
        ProofCodec.Serialize(StarkProver.Prove(air, traces, pub, p ?? Fast, new ProverOptions { RejectInvalidWitness = false }));

    public static VerificationResult Verify(ExampleStatement s, byte[] proof, StarkParameters? p = null) =>
        Verify(s.Air, s.PublicInputs, proof, p);

    public static VerificationResult Verify(AirDefinition air, Goldilocks[] pub, byte[] proof, StarkParameters? p = null)
    {
        p ??= Fast;
        return StarkVerifier.Verify(air, pub, proof, p, p.IsInsecure ? VerifierOptions.InsecureForTests : VerifierOptions.Default);
    }

    public static void AssertValid(VerificationResult r) => Assert.True(r.IsValid, r.Error);

    public static void AssertRejected(VerificationResult r, string? containing = null)
    {
        Assert.False(r.IsValid, "the verifier accepted a proof it must reject");
        Assert.False(string.IsNullOrWhiteSpace(r.Error));
        if (containing != null) Assert.Contains(containing, r.Error, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A copy of <paramref name="p"/> with the given parts replaced (for tampering tests).</summary>
    public static StarkProof With(StarkProof p, TableProof[]? tables = null, Digest[]? roots = null, Goldilocks3[]? remainder = null,
        ulong? nonce = null, FriLayerOpening[]? fri = null) => new()
    {
        ParametersFingerprint = p.ParametersFingerprint, AirIdentity = p.AirIdentity, Tables = tables ?? p.Tables,
        FriLayerRoots = roots ?? p.FriLayerRoots, FriRemainder = remainder ?? p.FriRemainder,
        GrindingNonce = nonce ?? p.GrindingNonce, FriOpenings = fri ?? p.FriOpenings,
    };

    public static TableProof WithTable(TableProof t, Goldilocks3[]? oodZ = null, Goldilocks3[]? oodGz = null, GroupOpening? main = null, GroupOpening? comp = null,
        Goldilocks3? claimedSum = null, Goldilocks3? externalSum = null, int? logHeight = null, GroupOpening? pre = null, GroupOpening? aux = null) => new()
    {
        LogHeight = logHeight ?? t.LogHeight, MainRoot = t.MainRoot, AuxRoot = t.AuxRoot, ClaimedSum = claimedSum ?? t.ClaimedSum,
        HasExternalSum = t.HasExternalSum, ExternalSum = externalSum ?? t.ExternalSum, CompositionRoot = t.CompositionRoot,
        OodAtZ = oodZ ?? t.OodAtZ, OodAtGz = oodGz ?? t.OodAtGz, PreprocessedOpening = pre ?? t.PreprocessedOpening,
        MainOpening = main ?? t.MainOpening, AuxOpening = aux ?? t.AuxOpening, CompositionOpening = comp ?? t.CompositionOpening,
    };

    public static Goldilocks[][][] Clone(Goldilocks[][][] traces) =>
        traces.Select(t => t.Select(c => (Goldilocks[])c.Clone()).ToArray()).ToArray();
}
