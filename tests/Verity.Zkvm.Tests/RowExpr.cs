using Verity.Algebra;
using Verity.Stark.Air.Expressions;

namespace Verity.Zkvm.Tests;

/// <summary>Evaluates a base-field expression of main columns and public inputs on one row (forgery kit, determinism checker).</summary>
internal static class RowExpr
{
    /// <param name="main">A main cell: column index, and whether it is on the next row.</param>
    public static Goldilocks Eval(Expr e, Func<int, bool, Goldilocks> main, ReadOnlySpan<Goldilocks> publics) => e.Kind switch
    {
        ExprKind.Constant => e.Constant,
        ExprKind.Main => main(e.Index, e.IsNext),
        ExprKind.PublicInput => publics[e.Index],
        ExprKind.Add => Eval(e.Left!, main, publics) + Eval(e.Right!, main, publics),
        ExprKind.Sub => Eval(e.Left!, main, publics) - Eval(e.Right!, main, publics),
        ExprKind.Mul => Eval(e.Left!, main, publics) * Eval(e.Right!, main, publics),
        ExprKind.Neg => -Eval(e.Left!, main, publics),
        _ => throw new NotSupportedException($"row expression uses {e.Kind}"),
    };
}
