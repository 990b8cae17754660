using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Verifier;

/// <summary>
/// Evaluates a table's constraints at the out-of-domain point from the claimed column values,
/// applies each constraint's divisor at z, and returns Σₖ αᵏ·Cₖ(z)/Dₖ(z) — the value the
/// composition chunks must reproduce (DEEP-ALI).
/// </summary>
internal sealed class OodConstraintEvaluator
{
    private static readonly Goldilocks3 U = new(Goldilocks.Zero, Goldilocks.One, Goldilocks.Zero);

    private readonly TableDefinition _table;
    private readonly Goldilocks3[] _main, _mainNext, _pre, _preNext, _aux, _auxNext, _periodic;
    private readonly Goldilocks[] _publicInputs;
    private readonly LogUpChallenges _challenges;
    private readonly Goldilocks3 _claimedSum, _externalSum;
    private readonly Dictionary<Expr, Goldilocks3> _memo = new(ReferenceEqualityComparer.Instance);

    public OodConstraintEvaluator(TableDefinition table, int logHeight, Goldilocks3[] oodZ, Goldilocks3[] oodGz, Goldilocks3 z,
        Goldilocks[] publicInputs, LogUpChallenges challenges, Goldilocks3 claimedSum, Goldilocks3 externalSum)
    {
        _table = table;
        int p = table.PreprocessedWidth, m = table.MainWidth;
        _pre = oodZ[..p];
        _preNext = oodGz[..p];
        _main = oodZ[p..(p + m)];
        _mainNext = oodGz[p..(p + m)];
        _aux = CombineExtension(oodZ, p + m, table.AuxWidth);
        _auxNext = CombineExtension(oodGz, p + m, table.AuxWidth);
        _publicInputs = publicInputs;
        _challenges = challenges;
        _claimedSum = claimedSum;
        _externalSum = externalSum;
        // A periodic column with cycle v is p(x^(n/P)) where p interpolates v over the P-th roots of unity.
        _periodic = table.Periodic.Select(cycle =>
        {
            if (cycle.Length > 1 << logHeight) throw new InvalidOperationException($"Verifier bug: table '{table.Name}' is shorter than a periodic column; the shape check must refuse it first.");
            var coeffs = (Goldilocks[])cycle.Clone();
            Ntt.Inverse(coeffs);
            return Polynomial.Evaluate(coeffs, z.Pow((ulong)((1 << logHeight) / cycle.Length)));
        }).ToArray();
    }

    /// <summary>An extension column committed as three base columns: A = a₀ + u·a₁ + u²·a₂.</summary>
    public static Goldilocks3 Combine(Goldilocks3 a0, Goldilocks3 a1, Goldilocks3 a2) => a0 + U * (a1 + U * a2);

    private static Goldilocks3[] CombineExtension(Goldilocks3[] values, int offset, int count)
    {
        var r = new Goldilocks3[count];
        for (int e = 0; e < count; e++) r[e] = Combine(values[offset + 3 * e], values[offset + 3 * e + 1], values[offset + 3 * e + 2]);
        return r;
    }

    public Goldilocks3 ComposedValue(Goldilocks3 alpha, Goldilocks3 z, int logHeight)
    {
        // z lies outside the base field, so none of the denominators is zero.
        var divisors = ConstraintDivisors.InverseAt(z, logHeight);
        Goldilocks3 acc = Goldilocks3.Zero, weight = Goldilocks3.One;
        foreach (var c in _table.AllConstraints)
        {
            acc += weight * Evaluate(c.Expression) * divisors.For(c.Domain);
            weight *= alpha;
        }
        return acc;
    }

    private Goldilocks3 Evaluate(Expr e)
    {
        if (_memo.TryGetValue(e, out var cached)) return cached;
        Goldilocks3 v = e.Kind switch
        {
            ExprKind.Constant => e.Constant,
            ExprKind.Main => e.IsNext ? _mainNext[e.Index] : _main[e.Index],
            ExprKind.Preprocessed => e.IsNext ? _preNext[e.Index] : _pre[e.Index],
            ExprKind.Auxiliary => e.IsNext ? _auxNext[e.Index] : _aux[e.Index],
            ExprKind.Periodic => _periodic[e.Index],
            ExprKind.PublicInput => _publicInputs[e.Index],
            ExprKind.Challenge => _challenges[e.Index],
            ExprKind.ClaimedSum => e.Index == 0 ? _claimedSum : _externalSum,
            ExprKind.Add => Evaluate(e.Left!) + Evaluate(e.Right!),
            ExprKind.Sub => Evaluate(e.Left!) - Evaluate(e.Right!),
            ExprKind.Mul => Evaluate(e.Left!) * Evaluate(e.Right!),
            ExprKind.Neg => -Evaluate(e.Left!),
            _ => throw new InvalidOperationException($"Unknown expression kind {e.Kind}."),
        };
        _memo[e] = v;
        return v;
    }
}
