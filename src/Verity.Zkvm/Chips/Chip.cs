using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// One table of the segment AIR: its columns, its constraints and bus interactions (<see cref="Define"/>), how many
/// rows a segment needs (<see cref="Rows"/>, computable from the phase-1 run alone, since the table heights fix the
/// LDE domains that phase 1 commits to), and how to fill them from the segment's witness (<see cref="Fill"/>).
/// </summary>
internal abstract class Chip(string name)
{
    public string Name { get; } = name;
    public ColumnLayout Layout { get; } = new();

    /// <summary>Precommitted tables are committed in phase 1, before the run's global challenge.</summary>
    public virtual bool Precommitted => false;

    public abstract void Define(TableBuilder t);

    /// <summary>Rows the segment needs (before padding to a power of two), from the phase-1 segment record.</summary>
    public abstract long Rows(Segment segment);

    public abstract void Fill(TraceColumns trace, SegmentWitness witness, LookupCounts counts);
}

/// <summary>
/// A table committed in phase 1, before the global challenge: it is filled from what phase 1 knows
/// (<see cref="SegmentBoundary"/>), identically in phase 1 and phase 2, so its commitment is the same in both.
/// </summary>
internal abstract class PrecommittedChip(string name) : Chip(name)
{
    public override bool Precommitted => true;

    public override void Fill(TraceColumns trace, SegmentWitness witness, LookupCounts counts) => Fill(trace, witness.Boundary, counts);

    public abstract void Fill(TraceColumns trace, SegmentBoundary boundary, LookupCounts counts);
}

/// <summary>A chip that executes some RISC-V operations: one row per instruction of those operations.</summary>
internal abstract class FamilyChip(string name, params Op[] ops) : Chip(name)
{
    public IReadOnlyList<Op> Ops { get; } = ops;

    public override long Rows(Segment segment) => Ops.Sum(op => segment.OpCounts[(int)op]);

    public override void Fill(TraceColumns trace, SegmentWitness witness, LookupCounts counts)
    {
        int row = 0;
        foreach (ref readonly var ins in witness.Instructions.AsSpan())
        {
            int flag = IndexOf(ins.D.Op);
            if (flag < 0) continue;
            FillRow(trace, row++, ins, flag, witness, counts);
        }
    }

    private int IndexOf(Op op)
    {
        for (int i = 0; i < Ops.Count; i++) if (Ops[i] == op) return i;
        return -1;
    }

    /// <param name="flag">Index of the instruction's operation in <see cref="Ops"/>.</param>
    protected abstract void FillRow(TraceColumns trace, int row, in InstructionRecord ins, int flag, SegmentWitness witness, LookupCounts counts);
}
