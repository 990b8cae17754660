using System.Numerics;
using Verity.Stark.Air.Expressions;

namespace Verity.Zkvm.Tests.Determinism;

/// <summary>What one bus interaction of a row means to the checker.</summary>
internal enum InteractionRole
{
    /// <summary>The row is given this tuple: both copies receive it with the same multiplicity, and the same values when that is non-zero.</summary>
    Input,
    /// <summary>A function lookup: copies that look up the same key (both multiplicities non-zero) get the same values.</summary>
    Function,
    /// <summary>A 16-bit range check of the value.</summary>
    Range16,
    /// <summary>A byte AND lookup (x, y, z): x, y bytes and z = x AND y.</summary>
    ByteAnd,
    /// <summary>Something the row produces; equal columns produce equal tuples, so it needs no output check of its own.</summary>
    Output,
}

/// <summary>
/// A fact about value <paramref name="Index"/> of a tuple whenever its multiplicity is non-zero: it lies in
/// [<paramref name="Lo"/>, <paramref name="Hi"/>] and is a multiple of <paramref name="Align"/>.
/// </summary>
/// <param name="Why">The argument that makes the fact true, for messages and documentation.</param>
internal sealed record ValueFact(int Index, BigInteger Lo, BigInteger Hi, int Align, string Why)
{
    public static readonly BigInteger U32Max = uint.MaxValue;
    public static ValueFact U32(int index, string why, int align = 1) => new(index, 0, U32Max, align, why);
    public static ValueFact Bool(int index, string why) => new(index, 0, 1, 1, why);
    public override string ToString() => $"value {Index} ∈ [{Lo}, {Hi}]{(Align > 1 ? $", multiple of {Align}" : "")} ({Why})";
}

/// <summary>How the checker reads one interaction (derived from the bus by <see cref="ChipSpec.DefaultRole"/>, overridable per chip).</summary>
/// <param name="KeyIndices">For <see cref="InteractionRole.Function"/>: the key positions of the tuple; the others are the looked-up values.</param>
/// <param name="ExtraKey">More key terms outside the tuple (the memory bus: the access time of the paired send).</param>
/// <param name="ZeroCondition">Only a function lookup when this value position is 0 in both copies (the IO bus: kind 0 = input).</param>
/// <param name="Facts">Assumed whenever the multiplicity is non-zero (what the ROM holds, the memory invariant, what consumers accept).</param>
/// <param name="Obligations">Must hold whenever the multiplicity is non-zero; checked by a query of its own (the memory invariant's other half).</param>
internal sealed record InteractionSpec(InteractionRole Role, int[]? KeyIndices = null, Expr[]? ExtraKey = null, int? ZeroCondition = null,
    ValueFact[]? Facts = null, ValueFact[]? Obligations = null);

/// <summary>A row kind: values for some selector columns (on the checked row), substituted before encoding.</summary>
internal sealed record RowKind(string Name, IReadOnlyDictionary<int, long> Fixed)
{
    /// <summary>Boolean columns enumerated inside this kind, the same in both copies (after a query shows that they agree).</summary>
    public int[] SubSplit { get; init; } = [];

    /// <summary>
    /// The assignments of <see cref="SubSplit"/> (bit b = column b) that can occur, null for all of them. The rest must
    /// be excluded by a fact named in <see cref="SubSplitWhy"/>.
    /// </summary>
    public IReadOnlyList<int>? SubSplitMasks { get; init; }

    public string SubSplitWhy { get; init; } = "";
    public override string ToString() => Name;
}

/// <summary>The outcome of one query.</summary>
internal enum Verdict { Unsat, Sat, Unknown }

/// <param name="Query">What was asked, e.g. "add [r1=1 r2=0 w=1]" or "add vs sub".</param>
/// <param name="Detail">For SAT: the two rows (every differing column with both values); for unknown: the solver's reason or why the model did not hold up.</param>
internal sealed record QueryResult(string Query, Verdict Verdict, string Detail, TimeSpan Elapsed);
