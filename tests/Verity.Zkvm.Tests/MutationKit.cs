using Verity.Algebra;
using Verity.Vm;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Tests;

/// <summary>
/// Single-cell mutation testing: change one cell of an honest table trace, prove with the prover's own checks off,
/// and require the verifier to reject. The circuit keeps every cell determined (unused cells are forced to 0), so
/// any accepted mutation is an under-constrained column.
/// </summary>
internal static class MutationKit
{
    public sealed record Cell(int Segment, int Column, int Row, bool HonestNonZero);

    /// <summary>Records the honest traces of one table (segment −1 is the memory proof).</summary>
    public static Dictionary<int, TraceColumns> Capture(ProgramImage image, byte[] input, int po2, string table)
    {
        var seen = new Dictionary<int, TraceColumns>();
        ZkvmTestKit.Prove(image, input, po2, tamper: (seg, name, trace) => { if (name == table) seen[seg] = trace; });
        return seen;
    }

    /// <summary>One cell per column (alternating a row where the honest value is non-zero and a random row), plus padding/extra samples.</summary>
    public static List<Cell> Sample(Dictionary<int, TraceColumns> traces, int extra, int seed)
    {
        var rng = new Random(seed);
        var segments = traces.Keys.OrderBy(k => k).ToArray();
        var cells = new List<Cell>();
        var first = traces[segments[0]];
        for (int c = 0; c < first.Columns.Length; c++)
        {
            int seg = segments[rng.Next(segments.Length)];
            var t = traces[seg];
            var nonZero = Enumerable.Range(0, t.Height).Where(r => !t.Columns[c][r].IsZero).ToArray();
            int row = (c % 2 == 0 && nonZero.Length > 0) ? nonZero[rng.Next(nonZero.Length)] : rng.Next(t.Height);
            cells.Add(new Cell(seg, c, row, !t.Columns[c][row].IsZero));
        }
        for (int k = 0; k < extra; k++)
        {
            int seg = segments[rng.Next(segments.Length)];
            var t = traces[seg];
            int c = rng.Next(t.Columns.Length), row = k % 2 == 0 ? t.Height - 1 : rng.Next(t.Height);
            cells.Add(new Cell(seg, c, row, !t.Columns[c][row].IsZero));
        }
        return cells;
    }

    /// <summary>Every sampled mutation must be rejected; reports all accepted ones at once.</summary>
    public static void AssertAllRejected(ProgramImage image, byte[] input, int po2, string table, IEnumerable<Cell> cells, Func<int, string>? columnName = null)
    {
        var accepted = new List<string>();
        foreach (var cell in cells)
        {
            var receipt = ZkvmTestKit.Prove(image, input, po2, check: false, tamper: (seg, name, trace) =>
            {
                if (name == table && seg == cell.Segment) trace.SetField(cell.Column, cell.Row, trace.Columns[cell.Column][cell.Row] + Goldilocks.One);
            });
            if (ZkvmTestKit.Verify(receipt, image).IsValid)
                accepted.Add($"{table}[{columnName?.Invoke(cell.Column) ?? cell.Column.ToString()}] row {cell.Row} (segment {cell.Segment})");
        }
        Assert.True(accepted.Count == 0, "accepted mutations (under-constrained cells): " + string.Join("; ", accepted));
    }
}
