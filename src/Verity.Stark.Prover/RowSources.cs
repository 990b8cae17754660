using Verity.Algebra;
using Verity.Stark.Air.Expressions;

namespace Verity.Stark.Prover;

/// <summary>
/// Rows of a table's low-degree extension, every <c>stride</c>-th one: evaluation row j is LDE row
/// j·stride, and the next trace row is <c>blowup</c> LDE rows ahead.
/// </summary>
internal sealed class LdeRowSource(RowMajorMatrix main, RowMajorMatrix? preprocessed, RowMajorMatrix? aux, Goldilocks[][] periodic, int blowup, int stride) : IRowSource
{
    public int Height => main.Height / stride;

    public void LoadBase(ExprKind kind, int column, bool next, int rowStart, Span<Goldilocks> destination)
    {
        int mask = main.Height - 1, offset = next ? blowup : 0;
        if (kind == ExprKind.Periodic)
        {
            var values = periodic[column];
            int pmask = values.Length - 1;
            for (int i = 0; i < destination.Length; i++) destination[i] = values[((rowStart + i) * stride) & pmask];
            return;
        }
        var m = kind == ExprKind.Main ? main : preprocessed!;
        var data = m.Values;
        int width = m.Width;
        for (int i = 0; i < destination.Length; i++) destination[i] = data[(((rowStart + i) * stride + offset) & mask) * width + column];
    }

    public void LoadExt(int column, bool next, int rowStart, Span<Goldilocks3> destination)
    {
        int mask = main.Height - 1, offset = next ? blowup : 0;
        var data = aux!.Values;
        int width = aux.Width, c = column * 3;
        for (int i = 0; i < destination.Length; i++)
        {
            int at = (((rowStart + i) * stride + offset) & mask) * width + c;
            destination[i] = new Goldilocks3(data[at], data[at + 1], data[at + 2]);
        }
    }
}

/// <summary>Rows of the trace itself (columns of height n); used to build LogUp columns and to check constraints.</summary>
internal sealed class TraceRowSource(Goldilocks[][] main, Goldilocks[][] preprocessed, Goldilocks[][] periodic, Goldilocks3[][]? aux) : IRowSource
{
    public int Height { get; } = main.Length > 0 ? main[0].Length : preprocessed[0].Length;

    public void LoadBase(ExprKind kind, int column, bool next, int rowStart, Span<Goldilocks> destination)
    {
        int mask = Height - 1, offset = next ? 1 : 0;
        var col = kind switch { ExprKind.Main => main[column], ExprKind.Preprocessed => preprocessed[column], _ => periodic[column] };
        int cmask = col.Length - 1; // periodic cycles repeat
        for (int i = 0; i < destination.Length; i++) destination[i] = col[((rowStart + i + offset) & mask) & cmask];
    }

    public void LoadExt(int column, bool next, int rowStart, Span<Goldilocks3> destination)
    {
        if (aux == null) throw new InvalidOperationException("Auxiliary columns are not built yet.");
        int mask = Height - 1, offset = next ? 1 : 0;
        var col = aux[column];
        for (int i = 0; i < destination.Length; i++) destination[i] = col[(rowStart + i + offset) & mask];
    }
}
