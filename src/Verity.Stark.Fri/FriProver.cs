using System.Runtime.InteropServices;
using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Air.Transcripts;

namespace Verity.Stark.Fri;

/// <summary>
/// FRI commit and query phases. Inputs are the DEEP quotients of the tables, each evaluated on
/// its LDE coset in natural order; an input joins the layer whose domain has its size.
/// A committed layer's Merkle leaf i holds the coset {i + j·N/a : j &lt; a}, so the folded value at
/// index i of the next layer comes from exactly one leaf.
/// </summary>
public sealed class FriProver
{
    private readonly FriSchedule _schedule;
    private readonly List<(MerkleTree Tree, Goldilocks3[] Leaves, int LogArity)> _layers = [];

    private FriProver(FriSchedule schedule) => _schedule = schedule;

    public Digest[] LayerRoots => [.. _layers.Select(l => l.Tree.Root)];
    public Goldilocks3[] Remainder { get; private set; } = [];

    /// <summary>Runs the commit phase: commits layers, draws folding challenges, absorbs the remainder.</summary>
    public static FriProver Commit(FriSchedule schedule, IReadOnlyList<(int LogSize, Goldilocks3[] Evaluations)> inputs, Transcript transcript, StarkParameters parameters)
    {
        var prover = new FriProver(schedule);
        int maxLog = schedule.MaxLogSize;
        Goldilocks3[] current = SumInputs(inputs, maxLog, null);
        for (int k = 0; k < schedule.LayerCount; k++)
        {
            int logN = schedule.LayerLogSizes[k], logA = schedule.LogArities[k];
            int n = 1 << logN, a = 1 << logA, cosets = n >> logA;
            var leaves = GC.AllocateUninitializedArray<Goldilocks3>(n);
            Parallel.For(0, cosets, i => { for (int j = 0; j < a; j++) leaves[i * a + j] = current[i + j * cosets]; });
            var tree = MerkleTree.Build(parameters.Hash, MemoryMarshal.AsBytes(leaves.AsSpan()), 24 * a);
            prover._layers.Add((tree, leaves, logA));
            transcript.AbsorbDigest(tree.Root);
            var beta = transcript.DrawExt();
            current = FoldLayer(current, logN, logA, Domains.CosetShift(logN, maxLog), beta);
            current = SumInputs(inputs, logN - logA, current);
        }
        prover.Remainder = Interpolate(current, schedule, maxLog);
        transcript.AbsorbExt(prover.Remainder);
        return prover;
    }

    private static Goldilocks3[] SumInputs(IReadOnlyList<(int LogSize, Goldilocks3[] Evaluations)> inputs, int logSize, Goldilocks3[]? into)
    {
        foreach (var (log, evals) in inputs)
        {
            if (log != logSize) continue;
            if (into == null) { into = (Goldilocks3[])evals.Clone(); continue; }
            var dst = into;
            Parallel.For(0, (dst.Length + 4095) / 4096, b =>
            {
                int end = System.Math.Min(dst.Length, (b + 1) * 4096);
                for (int i = b * 4096; i < end; i++) dst[i] += evals[i];
            });
        }
        return into ?? throw new InvalidOperationException($"No FRI input of size 2^{logSize}.");
    }

    private static Goldilocks3[] FoldLayer(Goldilocks3[] values, int logN, int logA, Goldilocks shift, Goldilocks3 beta)
    {
        int cosets = values.Length >> logA, a = 1 << logA;
        var result = new Goldilocks3[cosets];
        var omegaInv = Goldilocks.RootOfUnity(logN).Inverse();
        var shiftInv = shift.Inverse();
        const int block = 1024;
        Parallel.For(0, (cosets + block - 1) / block, b =>
        {
            int start = b * block, end = System.Math.Min(cosets, start + block);
            Span<Goldilocks3> v = stackalloc Goldilocks3[8];
            var xInv = shiftInv * omegaInv.Pow((ulong)start);
            for (int i = start; i < end; i++)
            {
                for (int j = 0; j < a; j++) v[j] = values[i + j * cosets];
                result[i] = FriFolding.Fold(v[..a], logA, xInv, beta);
                xInv *= omegaInv;
            }
        });
        return result;
    }

    /// <summary>Coefficients of the remainder; an honest prover's higher coefficients are zero.</summary>
    private static Goldilocks3[] Interpolate(Goldilocks3[] values, FriSchedule schedule, int maxLog)
    {
        int n = values.Length;
        var shift = Domains.CosetShift(schedule.RemainderLogSize, maxLog);
        var c0 = new Goldilocks[n]; var c1 = new Goldilocks[n]; var c2 = new Goldilocks[n];
        for (int i = 0; i < n; i++) { c0[i] = values[i].C0; c1[i] = values[i].C1; c2[i] = values[i].C2; }
        Ntt.CosetInverse(c0, shift); Ntt.CosetInverse(c1, shift); Ntt.CosetInverse(c2, shift);
        for (int i = schedule.RemainderCoefficients; i < n; i++)
            if (!c0[i].IsZero || !c1[i].IsZero || !c2[i].IsZero)
                throw new InvalidOperationException($"FRI remainder has degree ≥ {schedule.RemainderCoefficients}: the witness does not satisfy the constraints.");
        var coeffs = new Goldilocks3[schedule.RemainderCoefficients];
        for (int i = 0; i < coeffs.Length; i++) coeffs[i] = new Goldilocks3(c0[i], c1[i], c2[i]);
        return coeffs;
    }

    /// <summary>Opens every committed layer at the cosets the query positions (over the largest domain) fall in.</summary>
    public FriLayerOpening[] Open(IReadOnlyList<int> queryPositions)
    {
        var result = new FriLayerOpening[_layers.Count];
        for (int k = 0; k < _layers.Count; k++)
        {
            var (tree, leaves, logA) = _layers[k];
            int a = 1 << logA;
            int cosets = tree.LeafCount;
            int[] idx = DistinctSorted(queryPositions, cosets);
            var values = new Goldilocks3[idx.Length * a];
            for (int i = 0; i < idx.Length; i++) leaves.AsSpan(idx[i] * a, a).CopyTo(values.AsSpan(i * a));
            result[k] = new FriLayerOpening(values, tree.Open(idx));
        }
        return result;
    }

    /// <summary>Positions reduced modulo a power-of-two domain size, deduplicated and sorted.</summary>
    public static int[] DistinctSorted(IReadOnlyList<int> positions, int domainSize)
    {
        var set = new SortedSet<int>();
        foreach (int p in positions) set.Add(p & (domainSize - 1));
        return [.. set];
    }
}
