using System.Numerics;
using System.Runtime.Intrinsics;

namespace Verity.Algebra;

/// <summary>Low-degree extension of batches of columns onto a larger coset, in parallel.</summary>
/// <remarks>See <see cref="LdeJob{TOps, TV}"/> for how the work is laid out.</remarks>
public static unsafe class LowDegreeExtension
{
    /// <summary>Largest supported column length n (twiddle tables and scratch stay in the hundreds of MiB).</summary>
    public const int MaxColumnLength = 1 << 24;

    /// <summary>
    /// Interpolates each column (n evaluations at ω_n^i) and evaluates it at shift·ω_{n·blowup}^i.
    /// Returns the extension as a row-major matrix of height n·blowup and width columns.Count.
    /// When <paramref name="coefficients"/> is given, it receives each column's n coefficients.
    /// </summary>
    public static RowMajorMatrix Extend(IReadOnlyList<Goldilocks[]> columns, int blowup, Goldilocks shift, Goldilocks[][]? coefficients = null)
    {
        int logN = Validate(columns, blowup, nameof(columns));
        CheckCoefficientSlots(columns, coefficients);
        var result = new RowMajorMatrix(columns.Count, columns[0].Length * blowup);
        Run(columns, logN, blowup, shift, interpolate: true, coefficients, result);
        return result;
    }

    /// <summary>Same as <see cref="Extend"/> but the inputs are already coefficients (length n each).</summary>
    public static RowMajorMatrix ExtendCoefficients(IReadOnlyList<Goldilocks[]> coefficients, int blowup, Goldilocks shift)
    {
        int logN = Validate(coefficients, blowup, nameof(coefficients));
        var result = new RowMajorMatrix(coefficients.Count, coefficients[0].Length * blowup);
        Run(coefficients, logN, blowup, shift, interpolate: false, null, result);
        return result;
    }

    /// <summary>
    /// <see cref="Extend"/> into an existing matrix of width columns.Count and height n·blowup,
    /// whose contents are overwritten. Reusing one matrix across calls avoids mapping (and the
    /// kernel zeroing) a fresh, large buffer each time, which costs about as much as the transform.
    /// </summary>
    public static void ExtendInto(IReadOnlyList<Goldilocks[]> columns, int blowup, Goldilocks shift, RowMajorMatrix destination, Goldilocks[][]? coefficients = null)
    {
        int logN = Validate(columns, blowup, nameof(columns));
        CheckCoefficientSlots(columns, coefficients);
        CheckDestination(columns, blowup, destination);
        Run(columns, logN, blowup, shift, interpolate: true, coefficients, destination);
    }

    /// <summary><see cref="ExtendCoefficients"/> into an existing matrix, as <see cref="ExtendInto"/>.</summary>
    public static void ExtendCoefficientsInto(IReadOnlyList<Goldilocks[]> coefficients, int blowup, Goldilocks shift, RowMajorMatrix destination)
    {
        int logN = Validate(coefficients, blowup, nameof(coefficients));
        CheckDestination(coefficients, blowup, destination);
        Run(coefficients, logN, blowup, shift, interpolate: false, null, destination);
    }

    private static void CheckCoefficientSlots(IReadOnlyList<Goldilocks[]> columns, Goldilocks[][]? coefficients)
    {
        if (coefficients is not null && coefficients.Length != columns.Count)
            throw new ArgumentException($"coefficients must have one slot per column ({columns.Count}), but has {coefficients.Length}.", nameof(coefficients));
    }

    private static void CheckDestination(IReadOnlyList<Goldilocks[]> columns, int blowup, RowMajorMatrix destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        long height = (long)columns[0].Length * blowup;
        if (destination.Width != columns.Count || destination.Height != height)
            throw new ArgumentException($"The destination is {destination.Width}×{destination.Height} but the extension is {columns.Count}×{height} (width × height).", nameof(destination));
    }

    private static int Validate(IReadOnlyList<Goldilocks[]> columns, int blowup, string paramName)
    {
        ArgumentNullException.ThrowIfNull(columns, paramName);
        if (columns.Count == 0) throw new ArgumentException("At least one column is required.", paramName);
        Goldilocks[]? first = columns[0] ?? throw new ArgumentException("Column 0 is null.", paramName);
        int n = first.Length;
        for (int c = 1; c < columns.Count; c++)
        {
            Goldilocks[]? column = columns[c] ?? throw new ArgumentException($"Column {c} is null.", paramName);
            if (column.Length != n)
                throw new ArgumentException($"All columns must have the same length: column 0 has {n} values, column {c} has {column.Length}.", paramName);
        }
        if (n == 0 || !BitOperations.IsPow2(n))
            throw new ArgumentException($"Column length must be a power of two (1, 2, 4, …), got {n}.", paramName);
        if (n > MaxColumnLength)
            throw new ArgumentException($"Columns of {n} values are not supported; at most 2^24.", paramName);
        if (blowup <= 0 || !BitOperations.IsPow2(blowup))
            throw new ArgumentOutOfRangeException(nameof(blowup), blowup, "The blowup factor must be a power of two (1, 2, 4, …).");
        long height = (long)n * blowup;
        if (height > 1 << 30)
            throw new ArgumentOutOfRangeException(nameof(blowup), blowup, $"The extension would have {height} rows; at most 2^30 are supported.");
        if (height * columns.Count > Array.MaxLength)
            throw new ArgumentException($"The extension of {columns.Count} columns to {height} rows exceeds the largest array .NET can allocate.", paramName);
        return BitOperations.Log2((uint)n);
    }

    private static void Run(IReadOnlyList<Goldilocks[]> columns, int logN, int blowup, Goldilocks shift, bool interpolate, Goldilocks[][]? coefficients, RowMajorMatrix result)
    {
        int logBlowup = BitOperations.Log2((uint)blowup);
        // The batched kernels fill one register with columns; with few columns most lanes would
        // be idle, so transform each column on its own (vectorized along the column) instead.
        int lanes = LaneSelection.Use512 ? 8 : LaneSelection.Use256 ? 4 : 1;
        if (columns.Count <= (lanes - 1) / 2)
            ColumnByColumn(columns, logN, blowup, shift, interpolate, coefficients, result);
        else if (LaneSelection.Use512)
            new LdeJob<Vector512Lanes, Vector512<ulong>>(columns, logN, logBlowup, shift, interpolate, coefficients).Run(result);
        else if (LaneSelection.Use256)
            new LdeJob<Vector256Lanes, Vector256<ulong>>(columns, logN, logBlowup, shift, interpolate, coefficients).Run(result);
        else
            new LdeJob<ScalarLanes, ulong>(columns, logN, logBlowup, shift, interpolate, coefficients).Run(result);
    }

    private static void ColumnByColumn(IReadOnlyList<Goldilocks[]> columns, int logN, int blowup, Goldilocks shift, bool interpolate, Goldilocks[][]? coefficients, RowMajorMatrix result)
    {
        int n = 1 << logN, height = n * blowup, width = columns.Count;
        bool parallel = height >= 1 << 15;
        Goldilocks[] buffer = System.Buffers.ArrayPool<Goldilocks>.Shared.Rent(height);
        Span<Goldilocks> values = buffer.AsSpan(0, height);
        for (int c = 0; c < width; c++)
        {
            columns[c].CopyTo(values);
            if (interpolate)
            {
                Ntt.Inverse(values[..n], parallel);
                if (coefficients is not null) coefficients[c] = values[..n].ToArray();
            }
            values[n..].Clear();
            Ntt.CosetForward(values, shift, parallel);
            Goldilocks[] output = result.Values;
            if (width == 1)
            {
                values.CopyTo(output);
            }
            else
            {
                for (int r = 0; r < height; r++) output[r * width + c] = values[r];
            }
        }
        System.Buffers.ArrayPool<Goldilocks>.Shared.Return(buffer);
    }
}
