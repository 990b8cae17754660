namespace Verity.Algebra;

/// <summary>Small polynomial helpers (coefficients in ascending degree order).</summary>
public static class Polynomial
{
    public static Goldilocks Evaluate(ReadOnlySpan<Goldilocks> coefficients, Goldilocks x)
    {
        Goldilocks acc = Goldilocks.Zero;
        for (int i = coefficients.Length - 1; i >= 0; i--) acc = acc * x + coefficients[i];
        return acc;
    }

    public static Goldilocks3 Evaluate(ReadOnlySpan<Goldilocks> coefficients, Goldilocks3 x)
    {
        Goldilocks3 acc = Goldilocks3.Zero;
        for (int i = coefficients.Length - 1; i >= 0; i--) acc = acc * x + coefficients[i];
        return acc;
    }

    public static Goldilocks3 Evaluate(ReadOnlySpan<Goldilocks3> coefficients, Goldilocks3 x)
    {
        Goldilocks3 acc = Goldilocks3.Zero;
        for (int i = coefficients.Length - 1; i >= 0; i--) acc = acc * x + coefficients[i];
        return acc;
    }
}
