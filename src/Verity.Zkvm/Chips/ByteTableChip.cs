using Verity.Algebra;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// The 2^16-row lookup table of all byte pairs (x, y) with x AND y, preprocessed. Row x + 256·y serves two buses:
/// 16-bit range checks of the value x + 256·y and byte AND lookups (x, y, x AND y), each with its own multiplicity.
/// OR and XOR follow from AND: x OR y = x + y − (x AND y), x XOR y = x + y − 2·(x AND y).
/// </summary>
internal sealed class ByteTableChip : Chip
{
    private static readonly Goldilocks[][] Table = Build();
    private readonly int _range, _and;

    public ByteTableChip() : base("bytes")
    {
        _range = Layout.Add("range16_multiplicity");
        _and = Layout.Add("and_multiplicity");
    }

    public const int Height = 1 << 16;

    private static Goldilocks[][] Build()
    {
        var x = new Goldilocks[Height];
        var y = new Goldilocks[Height];
        var and = new Goldilocks[Height];
        for (int r = 0; r < Height; r++)
        {
            x[r] = new Goldilocks((ulong)(r & 0xFF));
            y[r] = new Goldilocks((ulong)(r >> 8));
            and[r] = new Goldilocks((ulong)(r & 0xFF & (r >> 8)));
        }
        return [x, y, and];
    }

    public override void Define(TableBuilder t)
    {
        t.WithPreprocessed(Table);
        var (x, y, and) = (t.PreprocessedColumn(0), t.PreprocessedColumn(1), t.PreprocessedColumn(2));
        t.Receive(Buses.Range16, t.Main(_range), x + 256 * y);
        t.Receive(Buses.ByteAnd, t.Main(_and), x, y, and);
    }

    public override long Rows(Segment segment) => Height;

    public override void Fill(TraceColumns trace, SegmentWitness witness, LookupCounts counts) => Fill(trace, counts);

    public void Fill(TraceColumns trace, LookupCounts counts)
    {
        for (int r = 0; r < Height; r++)
        {
            trace.Set(_range, r, (ulong)counts.Range16[r]);
            trace.Set(_and, r, (ulong)counts.ByteAnd[r]);
        }
    }
}
