using Verity.Algebra;
using Verity.Stark.Air.Expressions;

namespace Verity.Stark.Prover;

/// <summary>Supplies column values for a block of consecutive rows to the constraint evaluator.</summary>
internal interface IRowSource
{
    int Height { get; }

    /// <summary>Main, preprocessed or periodic column values for rows rowStart..rowStart+dst.Length−1 (or their successors).</summary>
    void LoadBase(ExprKind kind, int column, bool next, int rowStart, Span<Goldilocks> destination);

    /// <summary>Auxiliary (extension) column values.</summary>
    void LoadExt(int column, bool next, int rowStart, Span<Goldilocks3> destination);
}
