using System.Numerics;
using System.Runtime.Intrinsics;

namespace Verity.Algebra;

/// <summary>Low-degree extension of batches of columns onto a larger coset, in parallel.</summary>
/// <remarks>See <see cref="LdeJob{TOps, TV}"/> for how the work is laid out.</remarks>
public static unsafe class LowDegreeExtension
{
    /// <summary>
    /// Interpolates each column (n evaluations at ω_n^i) and evaluates it at shift·ω_{n·blowup}^i.
    /// Returns the extension as a row-major matrix of height n·blowup and width columns.Count.
    /// When <paramref name="coefficients"/> is given, it receives each column's n coefficients.
    /// </summary>
    public static RowMajorMatrix Extend(IReadOnlyList<Goldilocks[]> columns, int blowup, Goldilocks shift, Goldilocks[][]? coefficients = null)
    {
        int logN = Validate(columns, blowup, nameof(columns));
        if (coefficients is not null && coefficients.Length != columns.Count)
            throw new ArgumentException($"coefficients must have one slot per column ({columns.Count}), but has {coefficients.Length}.", nameof(coefficients));
        return Run(columns, logN, blowup, shift, interpolate: true, coefficients);
    }

    /// <summary>Same as <see cref="Extend"/> but the inputs are already coefficients (length n each).</summary>
    public static RowMajorMatrix ExtendCoefficients(IReadOnlyList<Goldilocks[]> coefficients, int blowup, Goldilocks shift)
    {
        int logN = Validate(coefficients, blowup, nameof(coefficients));
        return Run(coefficients, logN, blowup, shift, interpolate: false, null);
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
        if (blowup <= 0 || !BitOperations.IsPow2(blowup))
            throw new ArgumentOutOfRangeException(nameof(blowup), blowup, "The blowup factor must be a power of two (1, 2, 4, …).");
        long height = (long)n * blowup;
        if (height > 1 << 30)
            throw new ArgumentOutOfRangeException(nameof(blowup), blowup, $"The extension would have {height} rows; at most 2^30 are supported.");
        if (height * columns.Count > Array.MaxLength)
            throw new ArgumentException($"The extension of {columns.Count} columns to {height} rows exceeds the largest array .NET can allocate.", paramName);
        return BitOperations.Log2((uint)n);
    }

    private static RowMajorMatrix Run(IReadOnlyList<Goldilocks[]> columns, int logN, int blowup, Goldilocks shift, bool interpolate, Goldilocks[][]? coefficients)
    {
        int logBlowup = BitOperations.Log2((uint)blowup);
        if (LaneSelection.Use512)
            return new LdeJob<Vector512Lanes, Vector512<ulong>>(columns, logN, logBlowup, shift, interpolate, coefficients).Run();
        if (LaneSelection.Use256)
            return new LdeJob<Vector256Lanes, Vector256<ulong>>(columns, logN, logBlowup, shift, interpolate, coefficients).Run();
        return new LdeJob<ScalarLanes, ulong>(columns, logN, logBlowup, shift, interpolate, coefficients).Run();
    }
}
