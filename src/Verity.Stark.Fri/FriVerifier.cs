using System.Runtime.InteropServices;
using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Air.Transcripts;

namespace Verity.Stark.Fri;

/// <summary>
/// FRI verification, in the prover's order: replay the commit phase into the transcript, then,
/// for every query, check each layer's opened coset against the value folded from the layer
/// above (plus the DEEP quotients that join at that size) and the last fold against the remainder.
/// </summary>
public sealed class FriVerifier
{
    private readonly FriSchedule _schedule;
    private readonly Digest[] _roots;
    private readonly Goldilocks3[] _betas;
    private readonly Goldilocks3[] _remainder;

    private FriVerifier(FriSchedule schedule, Digest[] roots, Goldilocks3[] betas, Goldilocks3[] remainder)
    {
        _schedule = schedule;
        _roots = roots;
        _betas = betas;
        _remainder = remainder;
    }

    /// <summary>
    /// Checks every FRI message's shape against the schedule before anything is computed or absorbed: one root
    /// and one opening per committed layer, exactly the remainder's coefficient count (its degree bound), and per
    /// layer a number of opened cosets that <paramref name="queries"/> distinct positions can give, with at most
    /// one Merkle sibling per opened coset and tree level. The exact counts follow once the positions are drawn.
    /// </summary>
    public static void CheckShapes(FriSchedule schedule, Digest[] layerRoots, Goldilocks3[] remainder, FriLayerOpening[] openings, int queries)
    {
        if (layerRoots.Length != schedule.LayerCount)
            throw new ProofRejectedException($"FRI: proof has {layerRoots.Length} layer roots, the schedule requires {schedule.LayerCount}.");
        if (remainder.Length != schedule.RemainderCoefficients)
            throw new ProofRejectedException($"FRI: remainder has {remainder.Length} coefficients, the degree bound requires exactly {schedule.RemainderCoefficients}.");
        if (openings.Length != schedule.LayerCount)
            throw new ProofRejectedException($"FRI: proof opens {openings.Length} layers, the schedule has {schedule.LayerCount}.");
        for (int k = 0; k < schedule.LayerCount; k++)
        {
            int logA = schedule.LogArities[k], depth = schedule.LayerLogSizes[k] - logA, a = 1 << logA;
            var (min, max) = Domains.DistinctPositions(queries, depth, schedule.MaxLogSize);
            var opening = openings[k];
            int values = opening.Values.Length, cosets = values / a;
            if (values % a != 0 || cosets < min || cosets > max)
                throw new ProofRejectedException($"FRI layer {k}: {values} opened values, expected {(min == max ? $"{min}" : $"{min}..{max}")} cosets of {a}.");
            if ((long)opening.Proof.Nodes.Length > (long)cosets * depth)
                throw new ProofRejectedException($"FRI layer {k}: Merkle proof has {opening.Proof.Nodes.Length} nodes, more than {cosets} cosets of a depth-{depth} tree can need.");
        }
    }

    /// <summary>Checks the commitment shapes and replays the commit phase into the transcript.</summary>
    public static FriVerifier ReadCommitments(FriSchedule schedule, Digest[] layerRoots, Goldilocks3[] remainder, Transcript transcript)
    {
        if (layerRoots.Length != schedule.LayerCount)
            throw new ProofRejectedException($"FRI: proof has {layerRoots.Length} layer roots, the schedule requires {schedule.LayerCount}.");
        // The remainder's length is its degree bound: exactly the allowed number of coefficients.
        if (remainder.Length != schedule.RemainderCoefficients)
            throw new ProofRejectedException($"FRI: remainder has {remainder.Length} coefficients, the degree bound requires exactly {schedule.RemainderCoefficients}.");
        var betas = new Goldilocks3[layerRoots.Length];
        for (int k = 0; k < layerRoots.Length; k++)
        {
            transcript.AbsorbDigest(layerRoots[k]);
            betas[k] = transcript.DrawExt();
        }
        transcript.AbsorbExt(remainder);
        return new FriVerifier(schedule, layerRoots, betas, remainder);
    }

    /// <summary>
    /// Verifies the query phase. <paramref name="deepValues"/> maps a domain log-size to the summed
    /// DEEP quotient values of the tables of that size, keyed by position in that domain.
    /// </summary>
    public void VerifyQueries(int[] positions, FriLayerOpening[] openings, IReadOnlyDictionary<int, Dictionary<int, Goldilocks3>> deepValues, IHashSuite hash)
    {
        int maxLog = _schedule.MaxLogSize;
        if (openings.Length != _schedule.LayerCount)
            throw new ProofRejectedException($"FRI: proof opens {openings.Length} layers, the schedule has {_schedule.LayerCount}.");

        // Shape and Merkle checks per layer; keep the opened cosets by leaf index.
        var layerCosets = new Dictionary<int, int>[_schedule.LayerCount];
        for (int k = 0; k < _schedule.LayerCount; k++)
        {
            int logN = _schedule.LayerLogSizes[k], logA = _schedule.LogArities[k];
            int a = 1 << logA, cosets = 1 << (logN - logA);
            int[] idx = FriProver.DistinctSorted(positions, cosets);
            var opening = openings[k];
            if (opening.Values.Length != idx.Length * a)
                throw new ProofRejectedException($"FRI layer {k}: {opening.Values.Length} opened values, expected {idx.Length * a} ({idx.Length} cosets of {a}).");
            var leafHashes = new Digest[idx.Length];
            var bytes = MemoryMarshal.AsBytes(opening.Values.AsSpan());
            for (int i = 0; i < idx.Length; i++) leafHashes[i] = hash.HashLeaf(bytes.Slice(i * a * 24, a * 24));
            if (!MerkleTree.TryVerify(hash, _roots[k], logN - logA, idx, leafHashes, opening.Proof, out var error))
                throw new ProofRejectedException($"FRI layer {k}: Merkle opening does not match the layer root ({error}).");
            layerCosets[k] = new Dictionary<int, int>(idx.Length);
            for (int i = 0; i < idx.Length; i++) layerCosets[k][idx[i]] = i;
        }

        foreach (int q in positions)
        {
            Goldilocks3 expected = DeepAt(deepValues, maxLog, q, required: true);
            for (int k = 0; k < _schedule.LayerCount; k++)
            {
                int logN = _schedule.LayerLogSizes[k], logA = _schedule.LogArities[k];
                int a = 1 << logA, cosets = 1 << (logN - logA);
                int pos = q & ((1 << logN) - 1);
                int leaf = pos & (cosets - 1);
                var coset = openings[k].Values.AsSpan(layerCosets[k][leaf] * a, a);
                if (coset[pos / cosets] != expected)
                    throw new ProofRejectedException($"FRI layer {k}: opened value at position {pos} disagrees with the value folded from the layer above (or with the DEEP quotient).");
                var x = Domains.Point(Domains.CosetShift(logN, maxLog), logN, leaf);
                expected = FriFolding.Fold(coset, logA, x.Inverse(), _betas[k]) + DeepAt(deepValues, logN - logA, leaf, required: false);
            }
            int logF = _schedule.RemainderLogSize;
            int finalPos = q & ((1 << logF) - 1);
            var xf = Domains.Point(Domains.CosetShift(logF, maxLog), logF, finalPos);
            if (Polynomial.Evaluate(_remainder, (Goldilocks3)xf) != expected)
                throw new ProofRejectedException($"FRI remainder: evaluation at position {finalPos} disagrees with the last folded value.");
        }
    }

    private static Goldilocks3 DeepAt(IReadOnlyDictionary<int, Dictionary<int, Goldilocks3>> deep, int logSize, int position, bool required)
    {
        if (deep.TryGetValue(logSize, out var byPos))
        {
            int p = position & ((1 << logSize) - 1);
            if (byPos.TryGetValue(p, out var v)) return v;
            throw new InvalidOperationException($"Verifier bug: DEEP value at position {p} of size 2^{logSize} was not computed.");
        }
        if (required) throw new InvalidOperationException($"Verifier bug: no table of LDE size 2^{logSize}.");
        return Goldilocks3.Zero;
    }
}
