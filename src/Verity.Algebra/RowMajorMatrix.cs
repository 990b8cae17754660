namespace Verity.Algebra;

/// <summary>
/// A dense matrix of base-field elements stored row by row. LDE matrices are row-major so that a
/// Merkle leaf (one LDE row of a commitment group) is one contiguous span, and constraint
/// evaluation reads a row and its successor with two spans.
/// </summary>
public sealed class RowMajorMatrix
{
    public RowMajorMatrix(int width, int height)
        : this(width, height, GC.AllocateUninitializedArray<Goldilocks>(checked(width * height)))
    {
    }

    public RowMajorMatrix(int width, int height, Goldilocks[] values)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width));
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height));
        if (values.Length != (long)width * height) throw new ArgumentException($"Matrix of {width}×{height} needs {(long)width * height} values, got {values.Length}.", nameof(values));
        Width = width;
        Height = height;
        Values = values;
    }

    public int Width { get; }
    public int Height { get; }
    public Goldilocks[] Values { get; }

    public Span<Goldilocks> Row(int row) => Values.AsSpan(row * Width, Width);

    public Goldilocks this[int row, int column] => Values[row * Width + column];
}
