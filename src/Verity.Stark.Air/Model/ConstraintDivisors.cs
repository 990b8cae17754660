using Verity.Algebra;

namespace Verity.Stark.Air.Model;

/// <summary>
/// 1/Dₖ(x) for each constraint domain at one point x outside the trace domain ⟨g⟩ of n rows:
/// transition (x − g^(n−1))/(xⁿ − 1), first row 1/(x − 1), last row 1/(x − g^(n−1)), every row
/// 1/(xⁿ − 1). The verifier uses it at the OOD point; the prover's spot check at an LDE point.
/// </summary>
public readonly record struct ConstraintDivisors(Goldilocks3 Transition, Goldilocks3 FirstRow, Goldilocks3 LastRow, Goldilocks3 EveryRow)
{
    public static ConstraintDivisors InverseAt(Goldilocks3 x, int logHeight)
    {
        int n = 1 << logHeight;
        var gLast = (Goldilocks3)Goldilocks.RootOfUnity(logHeight).Pow((ulong)(n - 1));
        var invZh = (x.Pow((ulong)n) - Goldilocks3.One).Inverse();
        return new((x - gLast) * invZh, (x - Goldilocks3.One).Inverse(), (x - gLast).Inverse(), invZh);
    }

    public Goldilocks3 For(ConstraintDomain domain) => domain switch
    {
        ConstraintDomain.Transition => Transition,
        ConstraintDomain.FirstRow => FirstRow,
        ConstraintDomain.LastRow => LastRow,
        _ => EveryRow,
    };
}
