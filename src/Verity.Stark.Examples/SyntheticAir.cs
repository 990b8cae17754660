using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Examples;

/// <summary>
/// The benchmark statement: W columns, W degree-3 transition constraints
/// cᵢ' = cᵢ³ + c₍ᵢ₊₁₎ mod W, plus boundary constraints binding the first and last value of
/// column 0 to public inputs. Comparable in shape to one wide VM table.
/// </summary>
public static class SyntheticAir
{
    public static AirDefinition Build(int width)
    {
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width));
        var air = new AirBuilder($"synthetic-degree3-w{width}", publicInputCount: 2);
        var t = air.Table("cells", width);
        for (int i = 0; i < width; i++)
        {
            Expr c = t.Main(i), next = t.Main((i + 1) % width);
            t.Transition($"c{i}' = c{i}^3 + c{(i + 1) % width}", c.Next - (c * c * c + next));
        }
        t.FirstRow("c0 = start", t.Main(0) - t.PublicInput(0));
        t.LastRow("c0 = end", t.Main(0) - t.PublicInput(1));
        return air.Build();
    }

    public static ExampleStatement Create(int logRows, int width, int seed = 1)
    {
        int n = 1 << logRows;
        var cols = new Goldilocks[width][];
        for (int i = 0; i < width; i++) cols[i] = GC.AllocateUninitializedArray<Goldilocks>(n);
        var rng = new Random(seed);
        for (int i = 0; i < width; i++) cols[i][0] = Goldilocks.FromUInt64((ulong)rng.NextInt64());
        for (int r = 1; r < n; r++)
            for (int i = 0; i < width; i++)
            {
                var c = cols[i][r - 1];
                cols[i][r] = c * c * c + cols[(i + 1) % width][r - 1];
            }
        return new ExampleStatement(Build(width), [cols], [cols[0][0], cols[0][n - 1]],
            $"{n} steps of the degree-3 map over {width} columns end at {cols[0][n - 1]}");
    }
}
