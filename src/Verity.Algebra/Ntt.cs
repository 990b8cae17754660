namespace Verity.Algebra;

/// <summary>
/// Number-theoretic transforms over power-of-two subgroups of Goldilocks and their cosets.
/// All transforms take and return values in natural order.
/// </summary>
public static class Ntt
{
    /// <summary>Coefficients → evaluations at ω^i (ω a primitive n-th root, n = length, a power of two).</summary>
    public static void Forward(Span<Goldilocks> values) => throw new NotImplementedException();

    /// <summary>Evaluations at ω^i → coefficients.</summary>
    public static void Inverse(Span<Goldilocks> values) => throw new NotImplementedException();

    /// <summary>Coefficients → evaluations at shift·ω^i.</summary>
    public static void CosetForward(Span<Goldilocks> values, Goldilocks shift) => throw new NotImplementedException();

    /// <summary>Evaluations at shift·ω^i → coefficients.</summary>
    public static void CosetInverse(Span<Goldilocks> values, Goldilocks shift) => throw new NotImplementedException();
}
