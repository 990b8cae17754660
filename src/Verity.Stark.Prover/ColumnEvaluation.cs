using Verity.Algebra;

namespace Verity.Stark.Prover;

/// <summary>Evaluates many base-coefficient polynomials at one extension point.</summary>
internal static class ColumnEvaluation
{
    /// <summary>Powers 1, x, x², …, x^(count−1).</summary>
    public static Goldilocks3[] Powers(Goldilocks3 x, int count)
    {
        var p = new Goldilocks3[count];
        const int block = 4096;
        Parallel.For(0, (count + block - 1) / block, b =>
        {
            int start = b * block, end = System.Math.Min(count, start + block);
            var acc = x.Pow((ulong)start);
            for (int i = start; i < end; i++) { p[i] = acc; acc *= x; }
        });
        return p;
    }

    /// <summary>Σᵢ cᵢ·powers[i] for every column, in parallel over columns.</summary>
    public static Goldilocks3[] Evaluate(IReadOnlyList<Goldilocks[]> coefficients, Goldilocks3[] powers)
    {
        var result = new Goldilocks3[coefficients.Count];
        var (p0, p1, p2) = LazyDot.Split(powers);
        Parallel.For(0, coefficients.Count, c => result[c] = LazyDot.BaseExt(coefficients[c], p0, p1, p2));
        return result;
    }
}
