using Verity.Algebra;

namespace Verity.Stark.Air.Expressions;

/// <summary>What a leaf of a constraint expression refers to.</summary>
public enum ExprKind : byte
{
    Constant = 1,
    /// <summary>A main (witness) column of the table, base field.</summary>
    Main = 2,
    /// <summary>A preprocessed column (fixed by the AIR, committed in its verifying key), base field.</summary>
    Preprocessed = 3,
    /// <summary>An auxiliary column (LogUp helpers and running sum), extension field.</summary>
    Auxiliary = 4,
    /// <summary>A periodic column: a fixed cycle of values repeated down the table, base field.</summary>
    Periodic = 5,
    /// <summary>A public input of the statement, base field.</summary>
    PublicInput = 6,
    /// <summary>A LogUp challenge (index 0, 1: local γ, β; 2, 3: external γₑ, βₑ), extension field.</summary>
    Challenge = 7,
    /// <summary>The table's claimed LogUp sum (index 0: local buses, 1: external buses), extension field.</summary>
    ClaimedSum = 8,
    Add = 16,
    Sub = 17,
    Mul = 18,
    Neg = 19,
}

/// <summary>
/// A symbolic constraint expression. Constraints are written once with these nodes; the prover
/// compiles them into a block evaluator over the LDE, the verifier evaluates them at the
/// out-of-domain point. Nodes are immutable; equal subtrees are shared by the compiler.
/// </summary>
public sealed class Expr
{
    private Expr(ExprKind kind, int index, bool next, Goldilocks constant, Expr? left, Expr? right)
    {
        Kind = kind;
        Index = index;
        IsNext = next;
        Constant = constant;
        Left = left;
        Right = right;
        Degree = kind switch
        {
            ExprKind.Main or ExprKind.Preprocessed or ExprKind.Auxiliary or ExprKind.Periodic => 1,
            ExprKind.Add or ExprKind.Sub => System.Math.Max(left!.Degree, right!.Degree),
            ExprKind.Mul => left!.Degree + right!.Degree,
            ExprKind.Neg => left!.Degree,
            _ => 0,
        };
        IsExtension = kind switch
        {
            ExprKind.Auxiliary or ExprKind.Challenge or ExprKind.ClaimedSum => true,
            ExprKind.Add or ExprKind.Sub or ExprKind.Mul => left!.IsExtension || right!.IsExtension,
            ExprKind.Neg => left!.IsExtension,
            _ => false,
        };
        UsesNextRow = next || (left?.UsesNextRow ?? false) || (right?.UsesNextRow ?? false);
    }

    public ExprKind Kind { get; }

    /// <summary>Column, public input or challenge index for leaves.</summary>
    public int Index { get; }

    /// <summary>For column leaves: the value on the next row (row + 1) rather than the current one.</summary>
    public bool IsNext { get; }

    public Goldilocks Constant { get; }
    public Expr? Left { get; }
    public Expr? Right { get; }

    /// <summary>Degree in the trace columns (periodic columns count as degree 1).</summary>
    public int Degree { get; }

    /// <summary>True when the value lies in the extension field.</summary>
    public bool IsExtension { get; }

    public bool UsesNextRow { get; }

    public static Expr FieldConst(Goldilocks value) => new(ExprKind.Constant, 0, false, value, null, null);
    public static Expr Const(long value) => FieldConst(Goldilocks.FromInt64(value));
    public static Expr Main(int column, bool next = false) => Leaf(ExprKind.Main, column, next);
    public static Expr Preprocessed(int column, bool next = false) => Leaf(ExprKind.Preprocessed, column, next);
    public static Expr Auxiliary(int column, bool next = false) => Leaf(ExprKind.Auxiliary, column, next);
    public static Expr Periodic(int column) => Leaf(ExprKind.Periodic, column, false);
    public static Expr PublicInput(int index) => Leaf(ExprKind.PublicInput, index, false);
    public static Expr Challenge(int index) => Leaf(ExprKind.Challenge, index, false);
    /// <summary>The table's claimed sum over its local buses (leaf index 0).</summary>
    public static Expr ClaimedSum() => Leaf(ExprKind.ClaimedSum, 0, false);

    /// <summary>The table's sum over its external buses (a <see cref="ExprKind.ClaimedSum"/> leaf with index 1).</summary>
    public static Expr ExternalSum() => Leaf(ExprKind.ClaimedSum, 1, false);

    private static Expr Leaf(ExprKind kind, int index, bool next)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new(kind, index, next, default, null, null);
    }

    /// <summary>The same column leaf on the next row.</summary>
    public Expr Next
    {
        get
        {
            if (Kind is not (ExprKind.Main or ExprKind.Preprocessed or ExprKind.Auxiliary))
                throw new InvalidOperationException($"Only column leaves have a next-row value, not {Kind}.");
            return new(Kind, Index, true, default, null, null);
        }
    }

    public static Expr operator +(Expr a, Expr b) => new(ExprKind.Add, 0, false, default, a, b);
    public static Expr operator -(Expr a, Expr b) => new(ExprKind.Sub, 0, false, default, a, b);
    public static Expr operator *(Expr a, Expr b) => new(ExprKind.Mul, 0, false, default, a, b);
    public static Expr operator -(Expr a) => new(ExprKind.Neg, 0, false, default, a, null);
    public static Expr operator +(Expr a, long b) => a + Const(b);
    public static Expr operator -(Expr a, long b) => a - Const(b);
    public static Expr operator *(Expr a, long b) => a * Const(b);
    public static Expr operator +(long a, Expr b) => Const(a) + b;
    public static Expr operator -(long a, Expr b) => Const(a) - b;
    public static Expr operator *(long a, Expr b) => Const(a) * b;

    public override string ToString() => Kind switch
    {
        ExprKind.Constant => Constant.ToString(),
        ExprKind.Main => $"m{Index}{(IsNext ? "'" : "")}",
        ExprKind.Preprocessed => $"p{Index}{(IsNext ? "'" : "")}",
        ExprKind.Auxiliary => $"a{Index}{(IsNext ? "'" : "")}",
        ExprKind.Periodic => $"per{Index}",
        ExprKind.PublicInput => $"pub{Index}",
        ExprKind.Challenge => $"ch{Index}",
        ExprKind.ClaimedSum => Index == 0 ? "sum" : "extsum",
        ExprKind.Add => $"({Left} + {Right})",
        ExprKind.Sub => $"({Left} - {Right})",
        ExprKind.Mul => $"{Left}·{Right}",
        ExprKind.Neg => $"-{Left}",
        _ => Kind.ToString(),
    };
}
