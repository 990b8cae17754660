using Verity.Algebra;

namespace Verity.Stark.Air.Model;

/// <summary>
/// The DEEP combination shared by prover and verifier: weights γ^j over every committed base
/// column of every table (one power sequence continuing across tables), and the claimed values
/// S(z) + C(z) and S(g·z) that the DEEP quotient subtracts (docs/STARK.md, step 9).
/// </summary>
public static class DeepCoefficients
{
    /// <summary>Weights for each table, <paramref name="columnCounts"/>[t] of them, continuing γ^j across tables.</summary>
    public static Goldilocks3[][] Weights(Goldilocks3 gamma, IReadOnlyList<int> columnCounts)
    {
        var result = new Goldilocks3[columnCounts.Count][];
        var weight = Goldilocks3.One;
        for (int t = 0; t < columnCounts.Count; t++)
        {
            result[t] = new Goldilocks3[columnCounts[t]];
            for (int j = 0; j < result[t].Length; j++) { result[t][j] = weight; weight *= gamma; }
        }
        return result;
    }

    /// <summary>
    /// Σⱼ wⱼ·claimⱼ(z) over all columns (trace then composition) and Σⱼ wⱼ·claimⱼ(g·z) over the
    /// <paramref name="traceWidth"/> trace columns.
    /// </summary>
    public static (Goldilocks3 AtZ, Goldilocks3 AtGz) Claims(ReadOnlySpan<Goldilocks3> weights, ReadOnlySpan<Goldilocks3> oodAtZ, ReadOnlySpan<Goldilocks3> oodAtGz, int traceWidth)
    {
        Goldilocks3 atZ = Goldilocks3.Zero, atGz = Goldilocks3.Zero;
        for (int j = 0; j < traceWidth; j++) { atZ += weights[j] * oodAtZ[j]; atGz += weights[j] * oodAtGz[j]; }
        for (int k = traceWidth; k < oodAtZ.Length; k++) atZ += weights[k] * oodAtZ[k];
        return (atZ, atGz);
    }
}
