using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Zkvm.Chips;
using Verity.Zkvm.Programs;

namespace Verity.Zkvm.Air;

/// <summary>
/// The AIR of one segment of a program's execution: the precommitted boundary and IO tables, the program ROM, the
/// byte table, one table per instruction family and the syscall table, plus the statement's own bus terms (the
/// start state sent, the end state and the exit result received). The ROM makes the AIR specific to the program.
/// </summary>
internal sealed class SegmentCircuit
{
    public const string AirName = "verity.rv32im.segment.v2";

    public SegmentCircuit(ProgramRom rom)
    {
        Rom = rom;
        Chips =
        [
            new BoundaryChip(),
            new IoChip(),
            new ProgramChip(rom),
            new ByteTableChip(),
            new ArithChip(),
            new LogicChip(), new CompareChip(), new ShiftChip(), // family: logic, compare, shift
            new BranchChip(), new JumpChip(), // family: branch, jump
            new LoadStoreChip(), // family: load, store
            new MulChip(), new DivChip(), // family: mul, div
            new SyscallChip(),
        ];
        CheckCoverage();
        Air = Build();
    }

    // Every operation the executor runs is proven by exactly one family (ECALL by the syscall chip).
    private void CheckCoverage()
    {
        foreach (var op in Enum.GetValues<Vm.Op>())
        {
            if (op is Vm.Op.Illegal or Vm.Op.NoCode or Vm.Op.Ecall) continue;
            int owners = Chips.OfType<FamilyChip>().Count(c => c.Ops.Contains(op));
            if (owners != 1) throw new InvalidOperationException($"operation {op} is proven by {owners} chips; exactly one must own it");
        }
    }

    public ProgramRom Rom { get; }
    public IReadOnlyList<Chip> Chips { get; }
    public AirDefinition Air { get; }

    public IEnumerable<int> PrecommittedTables => Enumerable.Range(0, Chips.Count).Where(i => Chips[i].Precommitted);

    private AirDefinition Build()
    {
        var air = new AirBuilder(AirName, SegmentStatement.Count);
        foreach (var chip in Chips) chip.Define(air.Table(chip.Name, chip.Layout.Width));
        Expr P(int i) => Expr.PublicInput(i);
        air.PublicSend(Buses.Execution, Expr.Const(1), P(SegmentStatement.StartPcAt), P(SegmentStatement.StartClkAt), Expr.Const(0));
        air.PublicReceive(Buses.Execution, Expr.Const(1), P(SegmentStatement.EndPcAt), P(SegmentStatement.EndClkAt), P(SegmentStatement.HaltedAt));
        air.PublicReceive(Buses.Halt, P(SegmentStatement.HaltedAt), P(SegmentStatement.ExitCodeAt), P(SegmentStatement.InputConsumedAt), P(SegmentStatement.JournalLengthAt));
        return air.Build();
    }
}
