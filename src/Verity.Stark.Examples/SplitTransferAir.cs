using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Examples;

/// <summary>
/// A toy segment of a split execution, showing every bus scope. Each segment proof runs a clock
/// from its public start to its public end (the statement sends the start state and receives the
/// end state on a local bus), and on some steps exports a (key, value) pair to later segments or
/// imports one from earlier segments. Exports and imports go through the precommitted "boundary"
/// table, which sends/receives them on the external transfer bus: the pairs that one segment
/// exports must be imported by others, which the caller checks by adding the proofs' external sums.
/// </summary>
public static class SplitTransferAir
{
    public const int ClockBus = 1, ExportBus = 2, ImportBus = 3, TransferBus = 4;

    /// <summary>Index of the precommitted table whose main root feeds the external challenges.</summary>
    public const int BoundaryTable = 1;

    public static AirDefinition Air { get; } = Build();

    private static AirDefinition Build()
    {
        var air = new AirBuilder("split-transfer", publicInputCount: 2);
        var steps = air.Table("steps", mainWidth: 5);
        Expr clock = steps.Main(0), key = steps.Main(1), value = steps.Main(2), exported = steps.Main(3), imported = steps.Main(4);
        steps.EveryRow("exported is boolean", exported * (exported - 1));
        steps.EveryRow("imported is boolean", imported * (imported - 1));
        // Each step consumes its clock and produces the next one; the statement closes the chain.
        steps.Receive(ClockBus, Expr.Const(1), clock);
        steps.Send(ClockBus, Expr.Const(1), clock + 1);
        steps.Send(ExportBus, exported, key, value);
        steps.Receive(ImportBus, imported, key, value);

        var boundary = air.Table("boundary", mainWidth: 4).Precommitted();
        Expr bKey = boundary.Main(0), bValue = boundary.Main(1), outgoing = boundary.Main(2), incoming = boundary.Main(3);
        boundary.EveryRow("out is boolean", outgoing * (outgoing - 1));
        boundary.EveryRow("in is boolean", incoming * (incoming - 1));
        boundary.Receive(ExportBus, outgoing, bKey, bValue);
        boundary.Send(ImportBus, incoming, bKey, bValue);
        boundary.SendExternal(TransferBus, outgoing, bKey, bValue);
        boundary.ReceiveExternal(TransferBus, incoming, bKey, bValue);

        air.PublicSend(ClockBus, Expr.Const(1), Expr.PublicInput(0));
        air.PublicReceive(ClockBus, Expr.Const(1), Expr.PublicInput(1));
        return air.Build();
    }

    /// <summary>
    /// A segment of 2^<paramref name="logSteps"/> steps from <paramref name="startClock"/>; its first
    /// steps export <paramref name="exports"/>, the following ones import <paramref name="imports"/>.
    /// </summary>
    public static ExampleStatement CreateSegment(ulong startClock, int logSteps, (ulong Key, ulong Value)[] exports, (ulong Key, ulong Value)[] imports)
    {
        int n = 1 << logSteps, transfers = exports.Length + imports.Length;
        if (transfers > n) throw new ArgumentException($"{transfers} transfers do not fit in {n} steps.");
        var all = exports.Concat(imports).ToArray();

        var clock = new Goldilocks[n];
        var key = new Goldilocks[n];
        var value = new Goldilocks[n];
        var exported = new Goldilocks[n];
        var imported = new Goldilocks[n];
        for (int i = 0; i < n; i++) clock[i] = Goldilocks.FromUInt64(startClock) + new Goldilocks((ulong)i);
        int b = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)System.Math.Max(8, transfers));
        var bKey = new Goldilocks[b];
        var bValue = new Goldilocks[b];
        var outgoing = new Goldilocks[b];
        var incoming = new Goldilocks[b];
        for (int i = 0; i < all.Length; i++)
        {
            key[i] = bKey[i] = Goldilocks.FromUInt64(all[i].Key);
            value[i] = bValue[i] = Goldilocks.FromUInt64(all[i].Value);
            (i < exports.Length ? exported : imported)[i] = Goldilocks.One;
            (i < exports.Length ? outgoing : incoming)[i] = Goldilocks.One;
        }
        var end = Goldilocks.FromUInt64(startClock) + new Goldilocks((ulong)n);
        return new ExampleStatement(Air, [[clock, key, value, exported, imported], [bKey, bValue, outgoing, incoming]],
            [Goldilocks.FromUInt64(startClock), end],
            $"a segment runs clock {startClock}..{end}, exporting {exports.Length} and importing {imports.Length} values");
    }

    /// <summary>The log heights of a statement's tables (what <c>StarkProver.CommitMainTrace</c> needs).</summary>
    public static int[] LogHeights(ExampleStatement s) =>
        [.. s.Traces.Select(t => System.Numerics.BitOperations.Log2((uint)t[0].Length))];
}
