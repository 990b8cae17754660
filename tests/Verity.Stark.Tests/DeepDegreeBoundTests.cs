using System.Runtime.InteropServices;
using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Fri;
using Verity.Stark.Verifier;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

/// <summary>
/// The FRI bound on a table's DEEP quotient is the honest maximum: with columns of degree ≤ n − 1, each quotient
/// (p(X) − p(z))/(X − z) has degree ≤ n − 2, and FRI proves degree ≤ n − 1 of (1 + μ·X)·F (docs/STARK.md, DEEP
/// quotient). A prover whose F has degree n − 1 — here from a trace column T + r·(Xⁿ − 1), which equals T on the
/// trace domain, so every other check passes — is one degree over and must be rejected.
/// <para>
/// The proof is built by hand below (one table of 8 rows, parameters whose FRI has no folding layer, so the final
/// polynomial is the corrected DEEP quotient itself), following the protocol of docs/STARK.md step by step. The
/// honest variant (r = 0) verifies, which shows the hand-built proof is faithful.
/// </para>
/// </summary>
public class DeepDegreeBoundTests
{
    private static readonly StarkParameters P = StarkParameters.InsecureTest; // blowup 4, remainder degree ≤ 7
    private const int LogN = 3, N = 1 << LogN;
    private static readonly AirDefinition Air = BuildAir();
    private static readonly Goldilocks[] Pub = [new Goldilocks(10)];

    private static AirDefinition BuildAir()
    {
        var b = new AirBuilder("deep-degree-bound", 1);
        var t = b.Table("t", 1);
        Expr a = t.Main(0);
        t.Transition("a' = a + 1", a.Next - a - 1);
        t.FirstRow("a = start", a - t.PublicInput(0));
        return b.Build();
    }

    private enum Remainder { Truncated, Full }

    /// <summary>The remainder the prover sends and the degree of the polynomial FRI was run on.</summary>
    private static (StarkProof Proof, int FriInputDegree) HandProof(ulong mask, Remainder remainder)
    {
        int logLde = LogN + P.LogBlowup, lde = 1 << logLde;
        var hash = P.Hash;
        var shift = Domains.CosetShift(logLde, logLde);
        var g = Goldilocks.RootOfUnity(LogN);
        var gLast = g.Pow(N - 1);
        var schedule = FriSchedule.Create([logLde], P);
        Assert.Equal(0, schedule.LayerCount); // the final polynomial is the FRI input itself

        // Trace a_i = start + i, and its polynomial T' = T + r·(Xⁿ − 1) (n + 1 coefficients).
        var t = new Goldilocks[N];
        for (int i = 0; i < N; i++) t[i] = Pub[0] + new Goldilocks((ulong)i);
        Ntt.Inverse(t);
        var r = new Goldilocks(mask);
        Goldilocks[] trace = [.. t, r];
        trace[0] -= r;

        // Main commitment: T' over the LDE coset.
        var x = new Goldilocks[lde];
        var mainLde = new Goldilocks[lde];
        for (int i = 0; i < lde; i++) { x[i] = Domains.Point(shift, logLde, i); mainLde[i] = Polynomial.Evaluate(trace, x[i]); }
        var mainTree = MerkleTree.Build(hash, MemoryMarshal.Cast<Goldilocks, ulong>(mainLde.AsSpan()), 1);

        var transcript = StatementTranscript.Begin(Air, P, [LogN], Pub);
        transcript.AbsorbDigest(mainTree.Root);
        transcript.DrawExt(); // γ
        transcript.DrawExt(); // β
        var alpha = transcript.DrawExt();

        // Composition H = C_transition/D_transition + α·C_first/D_first (one chunk), interpolated from the
        // sub-coset shift·⟨ω_n⟩ and committed as three base columns.
        var h = new Goldilocks[3][];
        for (int c = 0; c < 3; c++) h[c] = new Goldilocks[N];
        for (int j = 0; j < N; j++)
        {
            var y = Domains.Point(shift, LogN, j);
            Goldilocks ty = Polynomial.Evaluate(trace, y), tgy = Polynomial.Evaluate(trace, g * y);
            var transition = (tgy - ty - Goldilocks.One) * (y - gLast) * (y.Pow(N) - Goldilocks.One).Inverse();
            var first = (ty - Pub[0]) * (y - Goldilocks.One).Inverse();
            var value = (Goldilocks3)transition + alpha * first;
            h[0][j] = value.C0; h[1][j] = value.C1; h[2][j] = value.C2;
        }
        for (int c = 0; c < 3; c++) Ntt.CosetInverse(h[c], shift);
        var compLde = new Goldilocks[3 * lde];
        for (int i = 0; i < lde; i++)
            for (int c = 0; c < 3; c++) compLde[3 * i + c] = Polynomial.Evaluate(h[c], x[i]);
        var compTree = MerkleTree.Build(hash, MemoryMarshal.Cast<Goldilocks, ulong>(compLde.AsSpan()), 3);
        transcript.AbsorbDigest(compTree.Root);

        // Out-of-domain values: main column at z and g·z, composition columns at z.
        var z = transcript.DrawOutOfDomainPoint();
        var gz = z * g;
        Goldilocks3[] oodZ = [Polynomial.Evaluate(trace, z), Polynomial.Evaluate(h[0], z), Polynomial.Evaluate(h[1], z), Polynomial.Evaluate(h[2], z)];
        Goldilocks3[] oodGz = [Polynomial.Evaluate(trace, gz)];
        transcript.AbsorbExt(oodZ);
        transcript.AbsorbExt(oodGz);

        // DEEP quotient F over the LDE, its degree correction (1 + μ·x), interpolated: the FRI input.
        var deepGamma = transcript.DrawExt();
        var deepC = transcript.DrawExt();
        var mu = transcript.DrawExt();
        var weights = DeepCoefficients.Weights(deepGamma, [oodZ.Length])[0];
        var (claimZ, claimGz) = DeepCoefficients.Claims(weights, oodZ, oodGz, 1);
        var f = new Goldilocks[3][];
        for (int c = 0; c < 3; c++) f[c] = new Goldilocks[lde];
        for (int i = 0; i < lde; i++)
        {
            var xi = (Goldilocks3)x[i];
            var s = weights[0] * mainLde[i];
            var comp = weights[1] * compLde[3 * i] + weights[2] * compLde[3 * i + 1] + weights[3] * compLde[3 * i + 2];
            var value = (s + comp - claimZ) * (xi - z).Inverse() + deepC * ((s - claimGz) * (xi - gz).Inverse());
            value *= Goldilocks3.One + mu * xi;
            f[0][i] = value.C0; f[1][i] = value.C1; f[2][i] = value.C2;
        }
        for (int c = 0; c < 3; c++) Ntt.CosetInverse(f[c], shift);
        var coefficients = new Goldilocks3[lde];
        for (int i = 0; i < lde; i++) coefficients[i] = new Goldilocks3(f[0][i], f[1][i], f[2][i]);
        int degree = Array.FindLastIndex(coefficients, c => !c.IsZero);
        var sent = remainder == Remainder.Truncated ? coefficients[..schedule.RemainderCoefficients] : coefficients[..(degree + 1)];
        transcript.AbsorbExt(sent);

        // No grinding (0 bits), then the queries and the openings.
        transcript.CurrentState();
        transcript.AbsorbNonce(0);
        var idx = FriProver.DistinctSorted(transcript.DrawQueryPositions(P.Queries, lde), lde);
        var mainOpened = idx.Select(i => mainLde[i]).ToArray();
        var compOpened = idx.SelectMany(i => compLde.AsSpan(3 * i, 3).ToArray()).ToArray();
        var proof = new StarkProof
        {
            ParametersFingerprint = P.Fingerprint,
            AirIdentity = Air.Identity,
            Tables =
            [
                new TableProof
                {
                    LogHeight = LogN, MainRoot = mainTree.Root, CompositionRoot = compTree.Root, OodAtZ = oodZ, OodAtGz = oodGz,
                    MainOpening = new GroupOpening(mainOpened, mainTree.Open(idx)),
                    CompositionOpening = new GroupOpening(compOpened, compTree.Open(idx)),
                },
            ],
            FriLayerRoots = [],
            FriRemainder = sent,
            GrindingNonce = 0,
            FriOpenings = [],
        };
        return (proof, degree);
    }

    private static VerificationResult Check(StarkProof proof) => StarkVerifier.Verify(Air, Pub, ProofCodec.Serialize(proof), P, VerifierOptions.InsecureForTests);

    [Fact]
    public void Hand_built_honest_proof_verifies_and_its_final_polynomial_has_degree_at_most_n_minus_1()
    {
        var (proof, degree) = HandProof(0, Remainder.Truncated);
        Assert.InRange(degree, 0, N - 1);
        AssertValid(Check(proof));
    }

    [Fact]
    public void Final_polynomial_one_degree_above_the_honest_maximum_is_rejected()
    {
        // T + r·(Xⁿ − 1) gives a DEEP quotient of degree n − 1, so the corrected FRI input has degree n: one above
        // the honest maximum n − 1. Sent in full it has one coefficient too many; cut to the allowed n coefficients
        // it disagrees with the opened values.
        var (full, degree) = HandProof(12345, Remainder.Full);
        Assert.Equal(N, degree);
        AssertRejected(Check(full), $"remainder has {N + 1} coefficients");
        var (truncated, _) = HandProof(12345, Remainder.Truncated);
        AssertRejected(Check(truncated), "FRI remainder: evaluation");
    }
}
