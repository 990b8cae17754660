using System.Runtime.CompilerServices;
using Verity.Algebra;

namespace Verity.Stark.Fri;

/// <summary>
/// One FRI folding step of arity a. Writing f(X) = Σ_{m&lt;a} X^m·f_m(X^a), the folded function is
/// f'(y) = Σ_m β^m·f_m(y). Given the a values vⱼ = f(x·ζʲ) of one coset (ζ a primitive a-th root),
/// that is the polynomial through the points (x·ζʲ, vⱼ) evaluated at β:
/// f'(x^a) = Σ_m c_m·(β/x)^m with c_m = (1/a)·Σⱼ vⱼ·ζ^(−jm).
/// Prover and verifier both call this, so they cannot disagree about the folding rule.
/// </summary>
public static class FriFolding
{
    private static readonly Goldilocks[][] InverseRootPowers = BuildInverseRootPowers();
    private static readonly Goldilocks[] InverseArity = [.. Enumerable.Range(0, 4).Select(k => new Goldilocks(1UL << k).Inverse())];

    private static Goldilocks[][] BuildInverseRootPowers()
    {
        var tables = new Goldilocks[4][];
        for (int logA = 0; logA < 4; logA++)
        {
            int a = 1 << logA;
            var zetaInv = Goldilocks.RootOfUnity(logA).Inverse();
            tables[logA] = new Goldilocks[a];
            var acc = Goldilocks.One;
            for (int k = 0; k < a; k++) { tables[logA][k] = acc; acc *= zetaInv; }
        }
        return tables;
    }

    /// <summary>Folds one coset. <paramref name="values"/>[j] = f(x·ζʲ); <paramref name="xInverse"/> = 1/x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks3 Fold(ReadOnlySpan<Goldilocks3> values, int logArity, Goldilocks xInverse, Goldilocks3 beta)
    {
        int a = 1 << logArity;
        var zInv = InverseRootPowers[logArity];
        var t = beta * xInverse; // β/x
        Goldilocks3 result = Goldilocks3.Zero, tPow = Goldilocks3.One;
        for (int m = 0; m < a; m++)
        {
            Goldilocks3 c = Goldilocks3.Zero;
            for (int j = 0; j < a; j++) c += values[j] * zInv[(j * m) & (a - 1)];
            result += c * tPow;
            tPow *= t;
        }
        return result * InverseArity[logArity];
    }
}
