namespace Verity.Algebra;

/// <summary>Low-degree extension of batches of columns onto a larger coset, in parallel.</summary>
public static class LowDegreeExtension
{
    /// <summary>
    /// Interpolates each column (n evaluations at ω_n^i) and evaluates it at shift·ω_{n·blowup}^i.
    /// Returns the extension as a row-major matrix of height n·blowup and width columns.Count.
    /// When <paramref name="coefficients"/> is given, it receives each column's n coefficients.
    /// </summary>
    public static RowMajorMatrix Extend(IReadOnlyList<Goldilocks[]> columns, int blowup, Goldilocks shift, Goldilocks[][]? coefficients = null)
        => throw new NotImplementedException();

    /// <summary>Same as <see cref="Extend"/> but the inputs are already coefficients (length n each).</summary>
    public static RowMajorMatrix ExtendCoefficients(IReadOnlyList<Goldilocks[]> coefficients, int blowup, Goldilocks shift)
        => throw new NotImplementedException();
}
