using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Examples;

/// <summary>
/// Two tables linked by a LogUp bus: a "values" table whose every value v is sent on the
/// byte bus, and a "bytes" table with the preprocessed column 0..255 that receives each byte
/// with a multiplicity column. The bus balances only if every value is a byte. The values table
/// also accumulates a running sum whose final value is the public input.
/// </summary>
public static class RangeCheckAir
{
    public const int ByteBus = 1;

    public static AirDefinition Air { get; } = Build();

    private static AirDefinition Build()
    {
        var air = new AirBuilder("range-check", publicInputCount: 1);
        var values = air.Table("values", mainWidth: 2);
        Expr v = values.Main(0), sum = values.Main(1);
        values.FirstRow("sum starts at v", sum - v);
        values.Transition("sum' = sum + v'", sum.Next - sum - v.Next);
        values.LastRow("sum = total", sum - values.PublicInput(0));
        values.Send(ByteBus, Expr.Const(1), v);

        var bytes = air.Table("bytes", mainWidth: 1);
        bytes.WithPreprocessed([.. Enumerable.Range(0, 256).Select(i => new Goldilocks((ulong)i))]);
        bytes.Receive(ByteBus, bytes.Main(0), bytes.PreprocessedColumn(0));
        return air.Build();
    }

    /// <summary>A witness for the given values (each must be a byte for the proof to be valid).</summary>
    public static ExampleStatement Create(ulong[] values)
    {
        int n = values.Length;
        var v = values.Select(x => Goldilocks.FromUInt64(x)).ToArray();
        var sum = new Goldilocks[n];
        var acc = Goldilocks.Zero;
        for (int i = 0; i < n; i++) { acc += v[i]; sum[i] = acc; }
        var mult = new Goldilocks[256];
        foreach (var x in values)
            if (x < 256) mult[x] += Goldilocks.One;
        return new ExampleStatement(Air, [[v, sum], [mult]], [acc], $"{n} values are bytes and sum to {acc}");
    }

    public static ExampleStatement CreateRandom(int logRows, int seed)
    {
        var rng = new Random(seed);
        return Create([.. Enumerable.Range(0, 1 << logRows).Select(_ => (ulong)rng.Next(256))]);
    }
}
