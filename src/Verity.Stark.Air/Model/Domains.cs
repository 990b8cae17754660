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

    /// <summary>The point of index <paramref name="index"/> of the coset shift·⟨ω_2^logSize⟩.</summary>
    public static Goldilocks Point(Goldilocks shift, int logSize, long index) => shift * Goldilocks.RootOfUnity(logSize).Pow((ulong)index);
}
