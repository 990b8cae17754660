using Verity.Algebra;

namespace Verity.Stark.Air.Model;

/// <summary>
/// Evaluation domains. Table t of height nₜ has trace domain ⟨g⟩ (g = ω_nₜ) and LDE domain
/// cₜ·⟨ω_Nₜ⟩ with Nₜ = blowup·nₜ. The shifts are powers of one generator chosen so that folding
/// the largest domain by x ↦ x^k lands exactly on each smaller table's LDE domain:
/// cₜ = 7^(N_max/Nₜ). Powers of the field generator 7 by a power of two never lie in a 2-power
/// subgroup, so every LDE coset is disjoint from every trace domain.
/// </summary>
public static class Domains
{
    public static Goldilocks CosetShift(int logSize, int maxLogSize)
    {
        if (logSize > maxLogSize) throw new ArgumentOutOfRangeException(nameof(logSize));
        return Goldilocks.Generator.Pow(1UL << (maxLogSize - logSize));
    }

    /// <summary>
    /// How many distinct positions <paramref name="queries"/> distinct query positions over the largest domain
    /// (2^<paramref name="maxLogSize"/>) leave once reduced modulo a domain of 2^<paramref name="logSize"/>: at most
    /// one per position of the smaller domain, and at least the queries over the 2^(max − log) positions that share one.
    /// A proof opens exactly that many rows of a table, or cosets of a FRI layer, so its sizes can be bounded before
    /// the positions are drawn.
    /// </summary>
    public static (int Min, int Max) DistinctPositions(int queries, int logSize, int maxLogSize)
    {
        if (logSize > maxLogSize || logSize < 0) throw new ArgumentOutOfRangeException(nameof(logSize));
        long perPosition = 1L << (maxLogSize - logSize);
        return ((int)((queries + perPosition - 1) / perPosition), (int)System.Math.Min(queries, 1L << logSize));
    }

    /// <summary>The point of index <paramref name="index"/> of the coset shift·⟨ω_2^logSize⟩.</summary>
    public static Goldilocks Point(Goldilocks shift, int logSize, long index) => shift * Goldilocks.RootOfUnity(logSize).Pow((ulong)index);
}
