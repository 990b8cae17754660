using System.Diagnostics;
using System.Runtime.InteropServices;
using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Air.Transcripts;
using Verity.Stark.Fri;

namespace Verity.Stark.Prover;

/// <summary>
/// Proves a multi-table AIR statement. The phases follow the transcript order of DESIGN §3:
/// statement (with the external challenges, if any) → preprocessed and main commitments → LogUp
/// challenges → aux commitments, claimed and external sums → composition challenge → composition commitments → OOD point → OOD values → DEEP
/// coefficients and degree correction → FRI → grinding → queries → openings.
/// </summary>
public static class StarkProver
{
    /// <param name="mainTraces">For each table of the AIR, its main columns (each of the table's height).</param>
    public static StarkProof Prove(AirDefinition air, IReadOnlyList<Goldilocks[][]> mainTraces, Goldilocks[] publicInputs,
        StarkParameters parameters, ProverOptions? options = null, ProofTimings? timings = null)
    {
        options ??= ProverOptions.Default;
        var workspace = options.Workspace;
        workspace?.ReturnAll(); // reclaims buffers of an earlier proof that ended in an exception
        timings ??= new ProofTimings();
        var total = Stopwatch.StartNew();
        var sw = new Stopwatch();
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Leaf encoding assumes a little-endian machine.");

        int[] logHeights = ValidateWitness(air, mainTraces, publicInputs);
        var external = options.ExternalChallenges;
        if (air.HasExternalBuses && external is null)
            throw new ArgumentException($"AIR '{air.Name}' has external buses: ProverOptions.ExternalChallenges must hold the challenges derived from the precommitted tables.", nameof(options));
        if (!air.HasExternalBuses && external is not null)
            throw new ArgumentException($"AIR '{air.Name}' has no external buses; ProverOptions.ExternalChallenges must be null.", nameof(options));
        int logB = parameters.LogBlowup;
        int maxLdeLog = logHeights.Max() + logB;
        if (parameters.Queries > 1 << maxLdeLog) throw new ArgumentException($"{parameters.Queries} queries exceed the LDE domain of {1 << maxLdeLog} points.");
        var tables = air.Tables.Select((t, i) => new TableState(t, mainTraces[i], logHeights[i], logB, maxLdeLog)).ToArray();
        foreach (var t in tables) t.PeriodicLde = PeriodicOverLde(t);
        var transcript = StatementTranscript.Begin(air, parameters, logHeights, publicInputs, external);
        var hash = parameters.Hash;

        // 1. Preprocessed (verifying key) and main trace commitments.
        foreach (var t in tables)
        {
            if (t.Definition.PreprocessedWidth > 0)
            {
                t.Preprocessed = PreprocessedCommitment.Get(air, t.Definition, parameters, t.Shift);
                transcript.AbsorbDigest(t.Preprocessed.Root);
            }
            Time(sw, () =>
            {
                t.MainLde = Matrix(workspace, t.Definition.MainWidth, t.LdeSize);
                LowDegreeExtension.ExtendInto(t.Main, t.Blowup, t.Shift, t.MainLde, t.MainCoefficients);
            }, ms => timings.TraceLdeMs += ms);
            Time(sw, () => t.MainTree = Commit(hash, t.MainLde), ms => timings.CommitMs += ms);
            transcript.AbsorbDigest(t.MainTree.Root);
        }

        // 2. LogUp: local challenges after every main commitment, then aux columns and claimed sums
        //    (local, then external: the external sum is what the caller balances across proofs).
        var gamma = transcript.DrawExt();
        var beta = transcript.DrawExt();
        var challenges = new LogUpChallenges(gamma, beta, external);
        foreach (var t in tables.Where(t => t.Definition.HasAux))
        {
            var def = t.Definition;
            Time(sw, () =>
            {
                t.AuxColumns = LogUpBuilder.Build(t, publicInputs, challenges);
                if (def.HasLocalInteractions) t.ClaimedSum = t.AuxColumns[def.LocalSumColumn][t.Height - 1];
                if (def.HasExternalInteractions) t.ExternalSum = t.AuxColumns[def.ExternalSumColumn][t.Height - 1];
                var baseCols = LogUpBuilder.ToBaseColumns(t.AuxColumns);
                t.AuxCoefficients = new Goldilocks[baseCols.Length][];
                t.AuxLde = Matrix(workspace, baseCols.Length, t.LdeSize);
                LowDegreeExtension.ExtendInto(baseCols, t.Blowup, t.Shift, t.AuxLde, t.AuxCoefficients);
            }, ms => timings.LogUpMs += ms);
            Time(sw, () => t.AuxTree = Commit(hash, t.AuxLde!), ms => timings.CommitMs += ms);
            transcript.AbsorbDigest(t.AuxTree!.Root);
            if (def.HasLocalInteractions) transcript.AbsorbExt(t.ClaimedSum);
            if (def.HasExternalInteractions) transcript.AbsorbExt(t.ExternalSum);
        }
        if (options.RejectInvalidWitness && air.HasLocalBuses)
        {
            // Only the local buses balance inside the proof; the external sums are the caller's to add up.
            if (!PublicLogUp.TrySum(air, publicInputs, challenges, out var sum))
                throw new InvalidOperationException("LogUp challenge collided with a public interaction's fingerprint; retry the proof.");
            foreach (var t in tables) sum += t.ClaimedSum;
            if (!sum.IsZero) throw new InvalidWitnessException("LogUp buses do not balance: some value is sent and not received (or with different multiplicities).");
        }

        // 3. Composition polynomial per table, split into chunks and committed.
        var alpha = transcript.DrawExt();
        foreach (var t in tables)
        {
            Time(sw, () =>
            {
                t.CompositionCoefficients = CompositionBuilder.Build(t, publicInputs, challenges, alpha, options.RejectInvalidWitness);
                t.CompositionLde = Matrix(workspace, t.CompositionCoefficients.Length, t.LdeSize);
                LowDegreeExtension.ExtendCoefficientsInto(t.CompositionCoefficients, t.Blowup, t.Shift, t.CompositionLde);
            }, ms => timings.QuotientMs += ms);
            Time(sw, () => t.CompositionTree = Commit(hash, t.CompositionLde), ms => timings.CommitMs += ms);
            transcript.AbsorbDigest(t.CompositionTree.Root);
        }

        // 4. Out-of-domain point and the OOD frame of every committed column.
        var z = transcript.DrawOutOfDomainPoint();
        Time(sw, () =>
        {
            foreach (var t in tables)
            {
                var g = Goldilocks.RootOfUnity(t.LogHeight);
                var gz = z * g;
                var traceCoeffs = t.TraceCoefficients;
                var powZ = ColumnEvaluation.Powers(z, t.Height);
                var powGz = ColumnEvaluation.Powers(gz, t.Height);
                t.OodAtZ = [.. ColumnEvaluation.Evaluate(traceCoeffs, powZ), .. ColumnEvaluation.Evaluate(t.CompositionCoefficients, powZ)];
                t.OodAtGz = ColumnEvaluation.Evaluate(traceCoeffs, powGz);
            }
        }, ms => timings.OodMs += ms);
        foreach (var t in tables)
        {
            transcript.AbsorbExt(t.OodAtZ);
            transcript.AbsorbExt(t.OodAtGz);
        }

        // 5. DEEP quotients, then FRI over all of them.
        var deepGamma = transcript.DrawExt();
        var deepC = transcript.DrawExt();
        var deepMu = transcript.DrawExt(); // degree correction: FRI runs on (1 + μ·x)·F, see DeepComposer
        var friInputs = new List<(int, Goldilocks3[])>();
        Time(sw, () =>
        {
            var weights = DeepCoefficients.Weights(deepGamma, tables.Select(t => t.OodAtZ.Length).ToArray());
            for (int i = 0; i < tables.Length; i++)
                friInputs.Add((tables[i].LogLde, DeepComposer.Compose(tables[i], weights[i], deepC, deepMu, z)));
        }, ms => timings.DeepMs += ms);
        var schedule = FriSchedule.Create(tables.Select(t => t.LogLde).ToArray(), parameters);
        FriProver fri = null!;
        Time(sw, () => fri = FriProver.Commit(schedule, friInputs, transcript, parameters), ms => timings.FriMs += ms);

        // 6. Grinding, then query positions over the largest LDE domain.
        ulong nonce = 0;
        Time(sw, () => nonce = Transcript.Grind(hash, transcript.CurrentState(), parameters.GrindingBits), ms => timings.GrindingMs += ms);
        transcript.AbsorbNonce(nonce);
        var positions = transcript.DrawQueryPositions(parameters.Queries, 1 << maxLdeLog);

        // 7. Openings.
        TableProof[] tableProofs = null!;
        FriLayerOpening[] friOpenings = null!;
        Time(sw, () =>
        {
            tableProofs = tables.Select(t =>
            {
                var idx = FriProver.DistinctSorted(positions, t.LdeSize);
                return new TableProof
                {
                    LogHeight = t.LogHeight,
                    MainRoot = t.MainTree.Root,
                    AuxRoot = t.AuxTree?.Root,
                    ClaimedSum = t.ClaimedSum,
                    HasExternalSum = t.Definition.HasExternalInteractions,
                    ExternalSum = t.ExternalSum,
                    CompositionRoot = t.CompositionTree.Root,
                    OodAtZ = t.OodAtZ,
                    OodAtGz = t.OodAtGz,
                    PreprocessedOpening = t.Preprocessed is { } p ? Open(p.Lde, p.Tree, idx) : null,
                    MainOpening = Open(t.MainLde, t.MainTree, idx),
                    AuxOpening = t.AuxLde is { } a ? Open(a, t.AuxTree!, idx) : null,
                    CompositionOpening = Open(t.CompositionLde, t.CompositionTree, idx),
                };
            }).ToArray();
            friOpenings = fri.Open(positions);
        }, ms => timings.QueriesMs += ms);

        workspace?.ReturnAll(); // the proof holds copies of the opened rows, never the matrices
        timings.TotalMs = total.Elapsed.TotalMilliseconds;
        return new StarkProof
        {
            ParametersFingerprint = parameters.Fingerprint,
            AirIdentity = air.Identity,
            Tables = tableProofs,
            FriLayerRoots = fri.LayerRoots,
            FriRemainder = fri.Remainder,
            GrindingNonce = nonce,
            FriOpenings = friOpenings,
        };
    }

    /// <summary>
    /// Phase 1 of a split proof: the main-trace root that <see cref="Prove"/> will put in
    /// <see cref="TableProof.MainRoot"/> for table <paramref name="tableIndex"/>, when the proof's
    /// tables have exactly <paramref name="logHeights"/> (the LDE coset of a table depends on the
    /// largest table, see <see cref="Domains.CosetShift"/>). The caller derives the external
    /// challenges from the roots of every proof's precommitted tables.
    /// </summary>
    public static Digest CommitMainTrace(AirDefinition air, int tableIndex, Goldilocks[][] mainColumns, IReadOnlyList<int> logHeights, StarkParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(air);
        ArgumentNullException.ThrowIfNull(mainColumns);
        ArgumentNullException.ThrowIfNull(logHeights);
        ArgumentNullException.ThrowIfNull(parameters);
        if ((uint)tableIndex >= (uint)air.Tables.Count) throw new ArgumentOutOfRangeException(nameof(tableIndex), $"AIR '{air.Name}' has {air.Tables.Count} tables.");
        if (logHeights.Count != air.Tables.Count) throw new ArgumentException($"AIR '{air.Name}' has {air.Tables.Count} tables, got {logHeights.Count} heights.", nameof(logHeights));
        foreach (int h in logHeights)
            if (h < StatementTranscript.MinLogHeight || h > StatementTranscript.MaxLogHeight)
                throw new ArgumentException($"Log height {h} is outside {StatementTranscript.MinLogHeight}..{StatementTranscript.MaxLogHeight}.", nameof(logHeights));
        int logHeight = ValidateTable(air.Tables[tableIndex], mainColumns);
        if (logHeight != logHeights[tableIndex])
            throw new ArgumentException($"Table '{air.Tables[tableIndex].Name}' has height 2^{logHeight}, but the heights give 2^{logHeights[tableIndex]}.", nameof(logHeights));
        int logB = parameters.LogBlowup;
        var shift = Domains.CosetShift(logHeight + logB, logHeights.Max() + logB);
        var lde = LowDegreeExtension.Extend(mainColumns, parameters.Blowup, shift);
        return Commit(parameters.Hash, lde).Root;
    }

    internal static int[] ValidateWitness(AirDefinition air, IReadOnlyList<Goldilocks[][]> traces, Goldilocks[] publicInputs)
    {
        if (traces.Count != air.Tables.Count) throw new ArgumentException($"AIR '{air.Name}' has {air.Tables.Count} tables, got {traces.Count} traces.");
        if (publicInputs.Length != air.PublicInputCount) throw new ArgumentException($"AIR '{air.Name}' takes {air.PublicInputCount} public inputs, got {publicInputs.Length}.");
        var logs = new int[traces.Count];
        for (int i = 0; i < traces.Count; i++) logs[i] = ValidateTable(air.Tables[i], traces[i]);
        return logs;
    }

    /// <summary>Checks a table's main columns against its definition; returns its log height.</summary>
    private static int ValidateTable(TableDefinition def, Goldilocks[][] cols)
    {
        if (cols.Length != def.MainWidth) throw new ArgumentException($"Table '{def.Name}' has {def.MainWidth} main columns, the trace has {cols.Length}.");
        int n = def.FixedLogHeight is { } fixedLog ? 1 << fixedLog : cols.Length > 0 ? cols[0].Length : 0;
        if (!int.IsPow2(n) || n < 1 << StatementTranscript.MinLogHeight || n > 1 << StatementTranscript.MaxLogHeight)
            throw new ArgumentException($"Table '{def.Name}': height {n} must be a power of two in 2^{StatementTranscript.MinLogHeight}..2^{StatementTranscript.MaxLogHeight}.");
        foreach (var c in cols)
            if (c.Length != n) throw new ArgumentException($"Table '{def.Name}': all columns must have height {n}, found one of {c.Length}.");
        // Below its period a periodic column p(x^(n/P)) is not the column the AIR means (n/P rounds to 0).
        if (def.PeriodicLongerThan(n) is var j and >= 0)
            throw new ArgumentException($"Table '{def.Name}': height {n} is shorter than its periodic column {j} (period {def.Periodic[j].Length}); a table must be at least as tall as each of its periodic columns.");
        return System.Numerics.BitOperations.Log2((uint)n);
    }

    /// <summary>
    /// A periodic column with cycle v (period P) is p(x^(n/P)), p interpolating v on the P-th roots
    /// of unity. On the LDE coset s·⟨ω_N⟩, x^(n/P) runs over s^(n/P)·⟨ω_(B·P)⟩, so B·P values suffice.
    /// </summary>
    private static Goldilocks[][] PeriodicOverLde(TableState t) => t.Definition.Periodic.Select(cycle =>
    {
        var coeffs = (Goldilocks[])cycle.Clone();
        Ntt.Inverse(coeffs);
        var shift = t.Shift.Pow((ulong)(t.Height / cycle.Length));
        return LowDegreeExtension.ExtendCoefficients([coeffs], t.Blowup, shift).Values;
    }).ToArray();

    private static RowMajorMatrix Matrix(ProverWorkspace? workspace, int width, int height) =>
        workspace?.Rent(width, height) ?? new RowMajorMatrix(width, height);

    // Leaves are whole LDE rows; the word overload allows matrices over 2 GiB.
    private static MerkleTree Commit(IHashSuite hash, RowMajorMatrix lde) =>
        MerkleTree.Build(hash, MemoryMarshal.Cast<Goldilocks, ulong>(lde.Values.AsSpan()), lde.Width);

    private static GroupOpening Open(RowMajorMatrix lde, MerkleTree tree, int[] indices)
    {
        var values = new Goldilocks[indices.Length * lde.Width];
        for (int i = 0; i < indices.Length; i++) lde.Row(indices[i]).CopyTo(values.AsSpan(i * lde.Width));
        return new GroupOpening(values, tree.Open(indices));
    }

    private static void Time(Stopwatch sw, Action action, Action<double> record)
    {
        sw.Restart();
        action();
        record(sw.Elapsed.TotalMilliseconds);
    }
}
