using Verity.Algebra;
using Verity.Stark.Air.Expressions;

namespace Verity.Stark.Air.Model;

/// <summary>
/// The statement's own contribution to the local buses: Σ ±m/(γ − f) over
/// <see cref="AirDefinition.PublicInteractions"/>, which prover and verifier both add to the
/// tables' claimed sums before checking the balance.
/// </summary>
public static class PublicLogUp
{
    /// <summary>False only when γ equals a public fingerprint (probability about 1/|F³| per term).</summary>
    public static bool TrySum(AirDefinition air, ReadOnlySpan<Goldilocks> publicInputs, LogUpChallenges challenges, out Goldilocks3 sum)
    {
        sum = Goldilocks3.Zero;
        foreach (var it in air.PublicInteractions)
        {
            var denominator = challenges.Gamma - Evaluate(TableDefinition.Fingerprint(it), publicInputs, challenges);
            if (denominator.IsZero) return false;
            sum += Evaluate(it.SignedMultiplicity, publicInputs, challenges) * denominator.Inverse();
        }
        return true;
    }

    // Public interactions hold only constants, public inputs and (in the fingerprint) challenges.
    private static Goldilocks3 Evaluate(Expr e, ReadOnlySpan<Goldilocks> publicInputs, LogUpChallenges challenges) => e.Kind switch
    {
        ExprKind.Constant => e.Constant,
        ExprKind.PublicInput => publicInputs[e.Index],
        ExprKind.Challenge => challenges[e.Index],
        ExprKind.Add => Evaluate(e.Left!, publicInputs, challenges) + Evaluate(e.Right!, publicInputs, challenges),
        ExprKind.Sub => Evaluate(e.Left!, publicInputs, challenges) - Evaluate(e.Right!, publicInputs, challenges),
        ExprKind.Mul => Evaluate(e.Left!, publicInputs, challenges) * Evaluate(e.Right!, publicInputs, challenges),
        ExprKind.Neg => -Evaluate(e.Left!, publicInputs, challenges),
        _ => throw new InvalidOperationException($"A public interaction cannot refer to {e.Kind}."),
    };
}
