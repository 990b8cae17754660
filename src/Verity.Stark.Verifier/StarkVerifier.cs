using System.Runtime.InteropServices;
using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Air.Security;
using Verity.Stark.Air.Transcripts;
using Verity.Stark.Fri;

namespace Verity.Stark.Verifier;

/// <summary>
/// Verifies a multi-table STARK proof, top to bottom as a sequence of checks. The caller supplies
/// the parameters it accepts; the proof supplies only prover messages, each absorbed into the
/// transcript before any challenge that depends on it, and each shape-checked before use.
/// For AIRs with external buses the caller also supplies the external challenges
/// (<see cref="VerifierOptions.ExternalChallenges"/>) and receives the proof's external sum
/// (<see cref="VerificationResult.ExternalSum"/>) to balance against the other proofs.
/// </summary>
public static class StarkVerifier
{
    public static VerificationResult Verify(AirDefinition air, Goldilocks[] publicInputs, ReadOnlySpan<byte> proofBytes,
        StarkParameters accepted, VerifierOptions? options = null)
    {
        StarkProof proof;
        try { proof = ProofCodec.Deserialize(proofBytes); }
        catch (ProofFormatException e) { return VerificationResult.Rejected($"malformed proof: {e.Message}"); }
        return Verify(air, publicInputs, proof, accepted, options);
    }

    public static VerificationResult Verify(AirDefinition air, Goldilocks[] publicInputs, StarkProof proof,
        StarkParameters accepted, VerifierOptions? options = null)
    {
        try
        {
            var externalSum = VerifyOrThrow(air, publicInputs, proof, accepted, options ?? VerifierOptions.Default);
            return VerificationResult.Accepted(externalSum);
        }
        catch (ProofRejectedException e)
        {
            return VerificationResult.Rejected(e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A proof that trips an unexpected failure is never accepted; say what happened.
            return VerificationResult.Rejected($"verification failed unexpectedly ({e.GetType().Name}: {e.Message}).");
        }
    }

    /// <returns>The proof's external sum (Σ of its tables' external sums).</returns>
    private static Goldilocks3 VerifyOrThrow(AirDefinition air, Goldilocks[] publicInputs, StarkProof proof, StarkParameters accepted, VerifierOptions options)
    {
        // 1. Parameter policy: the verifier's own parameters must be strong enough.
        if (accepted.IsInsecure && !options.AllowInsecureParameters)
            throw new ProofRejectedException($"parameter set '{accepted.Name}' is marked insecure and refused by this verifier.");

        // 2. Header: the proof must be for this AIR and these parameters.
        if (proof.ParametersFingerprint != accepted.Fingerprint)
            throw new ProofRejectedException($"proof was made with different parameters than the accepted set '{accepted.Name}' (fingerprint {proof.ParametersFingerprint.ToHex()[..16]}…, expected {accepted.Fingerprint.ToHex()[..16]}…).");
        if (proof.AirIdentity != air.Identity)
            throw new ProofRejectedException($"proof is for a different AIR (identity {proof.AirIdentity.ToHex()[..16]}…, expected '{air.Name}' {air.Identity.ToHex()[..16]}…).");
        if (publicInputs.Length != air.PublicInputCount)
            throw new ProofRejectedException($"AIR '{air.Name}' takes {air.PublicInputCount} public inputs, {publicInputs.Length} were given.");
        // The external challenges belong to the statement: given exactly for AIRs with external buses.
        var external = options.ExternalChallenges;
        if (air.HasExternalBuses && external is null)
            throw new ProofRejectedException($"AIR '{air.Name}' has external buses: the verifier needs the external challenges the proof was made with (VerifierOptions.ExternalChallenges).");
        if (!air.HasExternalBuses && external is not null)
            throw new ProofRejectedException($"external challenges were given, but AIR '{air.Name}' has no external buses.");

        // 3. Shapes, cheapest first and all before any work: they depend only on the AIR, the claimed heights and
        //    the verifier's parameters. Nothing from the verifying key (preprocessed commitments) is computed
        //    before every shape has passed, so a malformed proof with an absurd height costs next to nothing.
        //    3a. Table count and heights.
        if (proof.Tables.Length != air.Tables.Count)
            throw new ProofRejectedException($"proof has {proof.Tables.Length} tables, AIR '{air.Name}' has {air.Tables.Count}.");
        int logB = accepted.LogBlowup;
        var logHeights = new int[air.Tables.Count];
        for (int i = 0; i < air.Tables.Count; i++)
        {
            var def = air.Tables[i];
            var tp = proof.Tables[i];
            if (tp.LogHeight < StatementTranscript.MinLogHeight || tp.LogHeight > StatementTranscript.MaxLogHeight)
                throw new ProofRejectedException($"table '{def.Name}': height 2^{tp.LogHeight} is outside 2^{StatementTranscript.MinLogHeight}..2^{StatementTranscript.MaxLogHeight}.");
            if (def.FixedLogHeight is { } fixedLog && tp.LogHeight != fixedLog)
                throw new ProofRejectedException($"table '{def.Name}': height 2^{tp.LogHeight}, but its preprocessed columns fix 2^{fixedLog}.");
            if (def.PeriodicLongerThan(1 << tp.LogHeight) is var j and >= 0)
                throw new ProofRejectedException($"table '{def.Name}': height 2^{tp.LogHeight} is shorter than its periodic column {j} (period {def.Periodic[j].Length}).");
            logHeights[i] = tp.LogHeight;
        }
        int maxLdeLog = logHeights.Max() + logB;
        if (accepted.Queries > 1 << maxLdeLog)
            throw new ProofRejectedException($"{accepted.Queries} queries exceed the LDE domain of {1 << maxLdeLog} points.");

        //    3b. Per-table messages: commitments present exactly as the AIR requires, OOD counts, and openings
        //        whose row counts the queries can give (the exact counts follow once the positions are drawn).
        for (int i = 0; i < air.Tables.Count; i++)
        {
            var def = air.Tables[i];
            var tp = proof.Tables[i];
            string at = $"table '{def.Name}'";
            if (tp.AuxRoot.HasValue != def.HasAux || (tp.AuxOpening != null) != def.HasAux)
                throw new ProofRejectedException($"{at}: auxiliary commitment {(def.HasAux ? "missing" : "unexpected")}.");
            if (tp.HasExternalSum != def.HasExternalInteractions)
                throw new ProofRejectedException($"{at}: external sum {(def.HasExternalInteractions ? "missing" : "unexpected")}.");
            if (!def.HasLocalInteractions && !tp.ClaimedSum.IsZero)
                throw new ProofRejectedException($"{at}: non-zero claimed sum, but the table has no local interactions.");
            if (!def.HasExternalInteractions && !tp.ExternalSum.IsZero)
                throw new ProofRejectedException($"{at}: non-zero external sum, but the table has no external interactions.");
            if ((tp.PreprocessedOpening != null) != (def.PreprocessedWidth > 0))
                throw new ProofRejectedException($"{at}: preprocessed opening {(def.PreprocessedWidth > 0 ? "missing" : "unexpected")}.");
            int traceWidth = def.PreprocessedWidth + def.MainWidth + def.AuxBaseWidth;
            int compWidth = 3 * def.QuotientChunks;
            if (tp.OodAtZ.Length != traceWidth + compWidth)
                throw new ProofRejectedException($"{at}: {tp.OodAtZ.Length} OOD values at z, expected {traceWidth + compWidth}.");
            if (tp.OodAtGz.Length != traceWidth)
                throw new ProofRejectedException($"{at}: {tp.OodAtGz.Length} OOD values at g·z, expected {traceWidth}.");
            int logLde = tp.LogHeight + logB;
            var rows = Domains.DistinctPositions(accepted.Queries, logLde, maxLdeLog);
            if (tp.PreprocessedOpening != null) CheckOpeningShape(tp.PreprocessedOpening, def.PreprocessedWidth, logLde, rows, $"{at} preprocessed");
            CheckOpeningShape(tp.MainOpening, def.MainWidth, logLde, rows, $"{at} main");
            if (tp.AuxOpening != null) CheckOpeningShape(tp.AuxOpening, def.AuxBaseWidth, logLde, rows, $"{at} aux");
            CheckOpeningShape(tp.CompositionOpening, compWidth, logLde, rows, $"{at} composition");
        }

        //    3c. FRI messages, against the layer schedule the heights and parameters fix.
        var schedule = FriSchedule.Create(logHeights.Select(h => h + logB).ToArray(), accepted);
        FriVerifier.CheckShapes(schedule, proof.FriLayerRoots, proof.FriRemainder, proof.FriOpenings, accepted.Queries);

        // 4. Canonical encodings: every field element the verifier will absorb or compute with is below p. The
        //    codec refuses others, but a proof built in memory can carry any 64-bit words, and a word ≥ p would be
        //    absorbed as one value and computed with as another (or break the arithmetic's canonical-input contract).
        RequireCanonical(publicInputs, "public inputs");
        if (external is { } ext) { RequireCanonical(ext.Gamma, "external challenge γₑ"); RequireCanonical(ext.Beta, "external challenge βₑ"); }
        for (int i = 0; i < air.Tables.Count; i++)
        {
            var tp = proof.Tables[i];
            string at = $"table '{air.Tables[i].Name}'";
            RequireCanonical(tp.ClaimedSum, $"{at} claimed sum");
            RequireCanonical(tp.ExternalSum, $"{at} external sum");
            RequireCanonical(tp.OodAtZ, $"{at} OOD values at z");
            RequireCanonical(tp.OodAtGz, $"{at} OOD values at g·z");
            if (tp.PreprocessedOpening != null) RequireCanonical(tp.PreprocessedOpening.Values, $"{at} preprocessed opened values");
            RequireCanonical(tp.MainOpening.Values, $"{at} main opened values");
            if (tp.AuxOpening != null) RequireCanonical(tp.AuxOpening.Values, $"{at} aux opened values");
            RequireCanonical(tp.CompositionOpening.Values, $"{at} composition opened values");
        }
        RequireCanonical(proof.FriRemainder, "FRI remainder");
        for (int k = 0; k < proof.FriOpenings.Length; k++) RequireCanonical(proof.FriOpenings[k].Values, $"FRI layer {k} opened values");

        // 5. Security of these parameters for this statement's shape.
        if (!options.AllowInsecureParameters)
        {
            var report = StatementSecurity.Compute(air, accepted, logHeights);
            if (report.ProvableBits < options.MinimumProvableBits)
                throw new ProofRejectedException($"parameters '{accepted.Name}' give {report.ProvableBits:F1} provable bits for this statement ({report.DescribeWeakestTable()}), below the required {options.MinimumProvableBits}.");
        }

        // 6. Transcript: statement, then commitments in order, drawing each challenge after what it depends on.
        //    The preprocessed roots (verifying key, recomputed for this proof's cosets and cached) come first.
        var hash = accepted.Hash;
        var transcript = StatementTranscript.Begin(air, accepted, logHeights, publicInputs, external);
        var shifts = logHeights.Select(h => Domains.CosetShift(h + logB, maxLdeLog)).ToArray();
        var preRoots = new Digest?[air.Tables.Count];
        for (int i = 0; i < air.Tables.Count; i++)
        {
            var def = air.Tables[i];
            if (def.PreprocessedWidth > 0)
            {
                preRoots[i] = PreprocessedCommitment.Get(air, def, accepted, shifts[i]).Root;
                transcript.AbsorbDigest(preRoots[i]!.Value);
            }
            transcript.AbsorbDigest(proof.Tables[i].MainRoot);
        }
        var gamma = transcript.DrawExt();
        var beta = transcript.DrawExt();
        var challenges = new LogUpChallenges(gamma, beta, external);
        for (int i = 0; i < air.Tables.Count; i++)
        {
            var def = air.Tables[i];
            if (!def.HasAux) continue;
            transcript.AbsorbDigest(proof.Tables[i].AuxRoot!.Value);
            if (def.HasLocalInteractions) transcript.AbsorbExt(proof.Tables[i].ClaimedSum);
            if (def.HasExternalInteractions) transcript.AbsorbExt(proof.Tables[i].ExternalSum);
        }
        var alpha = transcript.DrawExt();
        foreach (var tp in proof.Tables) transcript.AbsorbDigest(tp.CompositionRoot);
        var z = transcript.DrawOutOfDomainPoint();
        foreach (var tp in proof.Tables)
        {
            transcript.AbsorbExt(tp.OodAtZ);
            transcript.AbsorbExt(tp.OodAtGz);
        }
        var deepGamma = transcript.DrawExt();
        var deepC = transcript.DrawExt();
        var deepMu = transcript.DrawExt(); // degree correction: FRI bounds (1 + μ·x)·F, so F by the honest n − 2
        var fri = FriVerifier.ReadCommitments(schedule, proof.FriLayerRoots, proof.FriRemainder, transcript);
        if (!transcript.CheckGrinding(proof.GrindingNonce, accepted.GrindingBits))
            throw new ProofRejectedException($"grinding: nonce {proof.GrindingNonce} does not give {accepted.GrindingBits} leading zero bits.");
        transcript.AbsorbNonce(proof.GrindingNonce);
        var positions = transcript.DrawQueryPositions(accepted.Queries, 1 << maxLdeLog);

        // 7. Local LogUp buses balance: the tables' claimed sums plus the statement's public terms.
        //    External sums are not balanced here; they are returned for the caller to add up.
        if (air.HasLocalBuses)
        {
            if (!PublicLogUp.TrySum(air, publicInputs, challenges, out var sum))
                throw new ProofRejectedException("LogUp: the challenge γ equals a public interaction's fingerprint.");
            foreach (var tp in proof.Tables) sum += tp.ClaimedSum;
            if (!sum.IsZero) throw new ProofRejectedException("LogUp: the tables' claimed sums and the public interactions do not add up to zero (a bus is unbalanced).");
        }

        // 8. DEEP-ALI: constraints at z, from the claimed values, equal the composition chunks at z.
        for (int i = 0; i < air.Tables.Count; i++)
        {
            var def = air.Tables[i];
            var tp = proof.Tables[i];
            var evaluator = new OodConstraintEvaluator(def, tp.LogHeight, tp.OodAtZ, tp.OodAtGz, z, publicInputs, challenges, tp.ClaimedSum, tp.ExternalSum);
            var expected = evaluator.ComposedValue(alpha, z, tp.LogHeight);
            int traceWidth = def.PreprocessedWidth + def.MainWidth + def.AuxBaseWidth;
            var zn = z.Pow(1UL << tp.LogHeight);
            Goldilocks3 actual = Goldilocks3.Zero, zPow = Goldilocks3.One;
            for (int c = 0; c < def.QuotientChunks; c++)
            {
                int at = traceWidth + 3 * c;
                actual += zPow * OodConstraintEvaluator.Combine(tp.OodAtZ[at], tp.OodAtZ[at + 1], tp.OodAtZ[at + 2]);
                zPow *= zn;
            }
            if (actual != expected)
                throw new ProofRejectedException($"table '{def.Name}': out-of-domain check failed: the constraints at z do not match the composition polynomial.");
        }

        // 9. Openings: every group's rows against its root, then the DEEP quotient recomputed from them and
        //    multiplied by the degree correction (1 + μ·x).
        var deepValues = new Dictionary<int, Dictionary<int, Goldilocks3>>();
        var allWeights = DeepCoefficients.Weights(deepGamma, proof.Tables.Select(t => t.OodAtZ.Length).ToArray());
        for (int i = 0; i < air.Tables.Count; i++)
        {
            var def = air.Tables[i];
            var tp = proof.Tables[i];
            int logLde = tp.LogHeight + logB;
            var idx = FriProver.DistinctSorted(positions, 1 << logLde);
            string at = $"table '{def.Name}'";
            var pre = def.PreprocessedWidth > 0 ? CheckGroup(hash, preRoots[i]!.Value, logLde, idx, tp.PreprocessedOpening!, def.PreprocessedWidth, $"{at} preprocessed") : null;
            var main = CheckGroup(hash, tp.MainRoot, logLde, idx, tp.MainOpening, def.MainWidth, $"{at} main");
            var aux = def.HasAux ? CheckGroup(hash, tp.AuxRoot!.Value, logLde, idx, tp.AuxOpening!, def.AuxBaseWidth, $"{at} aux") : null;
            var comp = CheckGroup(hash, tp.CompositionRoot, logLde, idx, tp.CompositionOpening, 3 * def.QuotientChunks, $"{at} composition");

            var weights = allWeights[i];
            int traceWidth = def.PreprocessedWidth + def.MainWidth + def.AuxBaseWidth;
            var (claimZ, claimGz) = DeepCoefficients.Claims(weights, tp.OodAtZ, tp.OodAtGz, traceWidth);
            var gz = z * Goldilocks.RootOfUnity(tp.LogHeight);

            if (!deepValues.TryGetValue(logLde, out var bySize)) deepValues[logLde] = bySize = [];
            for (int r = 0; r < idx.Length; r++)
            {
                var x = (Goldilocks3)Domains.Point(shifts[i], logLde, idx[r]);
                Goldilocks3 s = Goldilocks3.Zero;
                int w = 0;
                if (pre != null) { s += Dot(pre.AsSpan(r * def.PreprocessedWidth, def.PreprocessedWidth), weights.AsSpan(w)); w += def.PreprocessedWidth; }
                s += Dot(main.AsSpan(r * def.MainWidth, def.MainWidth), weights.AsSpan(w)); w += def.MainWidth;
                if (aux != null) { s += Dot(aux.AsSpan(r * def.AuxBaseWidth, def.AuxBaseWidth), weights.AsSpan(w)); w += def.AuxBaseWidth; }
                var cval = Dot(comp.AsSpan(r * 3 * def.QuotientChunks, 3 * def.QuotientChunks), weights.AsSpan(w));
                var f = (s + cval - claimZ) * (x - z).Inverse() + deepC * ((s - claimGz) * (x - gz).Inverse());
                f += deepMu * x * f;
                bySize[idx[r]] = bySize.TryGetValue(idx[r], out var prev) ? prev + f : f;
            }
        }

        // 10. FRI: each table's (1 + μ·x)·F is close to a polynomial of degree < nₜ, so F to one of degree < nₜ − 1,
        //     the honest maximum: every column has degree < nₜ and the division by (x − z) removes one.
        fri.VerifyQueries(positions, proof.FriOpenings, deepValues, hash);

        // 11. Every check passed: expose the external sum for the caller's cross-proof balance.
        return proof.Tables.Aggregate(Goldilocks3.Zero, (acc, t) => acc + t.ExternalSum);
    }

    /// <summary>Rejects any word ≥ p among <paramref name="values"/>, naming the element.</summary>
    private static void RequireCanonical(ReadOnlySpan<Goldilocks> values, string what)
    {
        var words = MemoryMarshal.Cast<Goldilocks, ulong>(values);
        for (int i = 0; i < words.Length; i++)
            if (words[i] >= Goldilocks.Modulus)
                throw new ProofRejectedException($"{what}: element {i} is not a canonical field element (0x{words[i]:x16} ≥ p).");
    }

    /// <summary>Rejects any extension element with a coefficient ≥ p, naming the element and the coefficient.</summary>
    private static void RequireCanonical(ReadOnlySpan<Goldilocks3> values, string what)
    {
        var words = MemoryMarshal.Cast<Goldilocks3, ulong>(values);
        for (int i = 0; i < words.Length; i++)
            if (words[i] >= Goldilocks.Modulus)
                throw new ProofRejectedException($"{what}: element {i / 3} is not a canonical field element (coefficient {i % 3} is 0x{words[i]:x16} ≥ p).");
    }

    private static void RequireCanonical(in Goldilocks3 value, string what) => RequireCanonical(new ReadOnlySpan<Goldilocks3>(in value), what);

    /// <summary>
    /// A group opening's shape before the positions are known: whole rows of the group's width, as many as the
    /// queries can give, and at most one Merkle sibling per opened row and tree level.
    /// </summary>
    private static void CheckOpeningShape(GroupOpening opening, int width, int depth, (int Min, int Max) rows, string what)
    {
        int values = opening.Values.Length, count = values / width;
        if (values % width != 0 || count < rows.Min || count > rows.Max)
            throw new ProofRejectedException($"{what}: {values} opened values, expected {(rows.Min == rows.Max ? $"{rows.Min}" : $"{rows.Min}..{rows.Max}")} rows of {width}.");
        if ((long)opening.Proof.Nodes.Length > (long)count * depth)
            throw new ProofRejectedException($"{what}: Merkle proof has {opening.Proof.Nodes.Length} nodes, more than {count} rows of a depth-{depth} tree can need.");
    }

    private static Goldilocks[] CheckGroup(IHashSuite hash, Digest root, int depth, int[] indices, GroupOpening opening, int width, string what)
    {
        if (opening.Values.Length != indices.Length * width)
            throw new ProofRejectedException($"{what}: {opening.Values.Length} opened values, expected {indices.Length} rows of {width}.");
        var leaves = new Digest[indices.Length];
        var bytes = MemoryMarshal.AsBytes(opening.Values.AsSpan());
        for (int r = 0; r < indices.Length; r++) leaves[r] = hash.HashLeaf(bytes.Slice(r * width * 8, width * 8));
        if (!MerkleTree.TryVerify(hash, root, depth, indices, leaves, opening.Proof, out var error))
            throw new ProofRejectedException($"{what}: Merkle opening does not match the commitment ({error}).");
        return opening.Values;
    }

    private static Goldilocks3 Dot(ReadOnlySpan<Goldilocks> row, ReadOnlySpan<Goldilocks3> weights)
    {
        Goldilocks3 acc = Goldilocks3.Zero;
        for (int j = 0; j < row.Length; j++) acc += weights[j] * row[j];
        return acc;
    }
}
