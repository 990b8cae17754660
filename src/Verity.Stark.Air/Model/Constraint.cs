using Verity.Stark.Air.Expressions;

namespace Verity.Stark.Air.Model;

/// <summary>Which rows a constraint must vanish on; each domain has its own divisor.</summary>
public enum ConstraintDomain : byte
{
    /// <summary>Rows 0..n−2, relating a row to the next; never applied on the wrap-around row. Divisor (xⁿ − 1)/(x − g^(n−1)).</summary>
    Transition = 1,
    /// <summary>Row 0 only. Divisor x − 1.</summary>
    FirstRow = 2,
    /// <summary>Row n−1 only. Divisor x − g^(n−1).</summary>
    LastRow = 3,
    /// <summary>Every row. Divisor xⁿ − 1. May not use next-row values.</summary>
    EveryRow = 4,
}

/// <summary>A named polynomial constraint that must evaluate to zero on its domain.</summary>
public sealed record Constraint(string Name, ConstraintDomain Domain, Expr Expression)
{
    /// <summary>Number of n-sized chunks the quotient of this constraint needs (see DESIGN §3).</summary>
    public int QuotientChunks => Domain switch
    {
        // deg(C)·(n−1) − (n−1) = (d−1)(n−1) < (d−1)·n
        ConstraintDomain.Transition or ConstraintDomain.EveryRow => System.Math.Max(1, Expression.Degree - 1),
        // d·(n−1) − 1 < d·n
        _ => System.Math.Max(1, Expression.Degree),
    };
}
