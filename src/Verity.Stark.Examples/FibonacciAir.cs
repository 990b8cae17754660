using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Examples;

/// <summary>
/// Fibonacci over Goldilocks: columns (a, b), rows (F(i), F(i+1)). Public inputs: the two
/// starting values and the claimed b on the last row, bound by boundary constraints.
/// </summary>
public static class FibonacciAir
{
    public static AirDefinition Air { get; } = Build();

    private static AirDefinition Build()
    {
        var air = new AirBuilder("fibonacci", publicInputCount: 3);
        var t = air.Table("fib", mainWidth: 2);
        Expr a = t.Main(0), b = t.Main(1);
        t.Transition("a' = b", a.Next - b);
        t.Transition("b' = a + b", b.Next - (a + b));
        t.FirstRow("a = start0", a - t.PublicInput(0));
        t.FirstRow("b = start1", b - t.PublicInput(1));
        t.LastRow("b = result", b - t.PublicInput(2));
        return air.Build();
    }

    /// <summary>The statement for 2^logRows rows starting from (1, 1).</summary>
    public static ExampleStatement Create(int logRows)
    {
        int n = 1 << logRows;
        var a = new Goldilocks[n];
        var b = new Goldilocks[n];
        a[0] = Goldilocks.One;
        b[0] = Goldilocks.One;
        for (int i = 1; i < n; i++) { a[i] = b[i - 1]; b[i] = a[i - 1] + b[i - 1]; }
        return new ExampleStatement(Air, [[a, b]], [Goldilocks.One, Goldilocks.One, b[n - 1]],
            $"the {n + 1}-th Fibonacci number mod p, starting from F(1) = F(2) = 1, is {b[n - 1]}");
    }
}
