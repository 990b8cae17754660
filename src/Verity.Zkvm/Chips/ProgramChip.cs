using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Programs;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// The program ROM as a preprocessed table (bound into the AIR identity, hence to the program) with one main
/// column: how many times each instruction was executed in the segment. Instruction rows look their decoded
/// fields up here, so an instruction can only run as the ROM decodes the word at its pc.
/// </summary>
internal sealed class ProgramChip : Chip
{
    private readonly ProgramRom _rom;
    private readonly int _multiplicity;

    public ProgramChip(ProgramRom rom) : base("program")
    {
        _rom = rom;
        _multiplicity = Layout.Add("multiplicity");
    }

    public override void Define(TableBuilder t)
    {
        t.WithPreprocessed(_rom.Columns);
        t.Receive(Buses.Program, t.Main(_multiplicity),
            t.PreprocessedColumn(ProgramRom.PcColumn), t.PreprocessedColumn(ProgramRom.CodeColumn), t.PreprocessedColumn(ProgramRom.RdColumn),
            t.PreprocessedColumn(ProgramRom.Rs1Column), t.PreprocessedColumn(ProgramRom.Rs2Column), t.PreprocessedColumn(ProgramRom.ImmColumn));
    }

    public override long Rows(Segment segment) => _rom.Height;

    public override void Fill(TraceColumns trace, SegmentWitness witness, LookupCounts counts)
    {
        for (int r = 0; r < counts.Program.Length; r++) trace.Set(_multiplicity, r, (ulong)counts.Program[r]);
    }
}
