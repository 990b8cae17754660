using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Programs;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Air;

/// <summary>
/// The columns and constraints every instruction row shares: a real flag (0 on padding rows), pc and clock, the
/// decoded fields looked up in the ROM (rd, rs1, rs2, imm, the register-use flags r1, r2, w) and a one-hot flag per
/// operation of the family. The row receives its execution state (pc, clk, 0) and sends (next pc, clk + 1, 0).
/// Every multiplicity a row uses is a column that the constraints force to 0 on padding rows.
/// </summary>
internal sealed class InstructionColumns
{
    private readonly IReadOnlyList<Op> _ops;

    public InstructionColumns(ColumnLayout layout, IReadOnlyList<Op> ops)
    {
        _ops = ops;
        Real = layout.Add("real");
        Pc = layout.Add("pc");
        Clk = layout.Add("clk");
        Rd = layout.Add("rd");
        Rs1 = layout.Add("rs1");
        Rs2 = layout.Add("rs2");
        Imm = layout.Add("imm");
        ReadsRs1 = layout.Add("r1");
        ReadsRs2 = layout.Add("r2");
        WritesRd = layout.Add("w");
        Flags = [.. ops.Select(op => layout.Add(FlagName(op)))];
    }

    public int Real { get; }
    public int Pc { get; }
    public int Clk { get; }
    public int Rd { get; }
    public int Rs1 { get; }
    public int Rs2 { get; }
    public int Imm { get; }
    public int ReadsRs1 { get; }
    public int ReadsRs2 { get; }
    public int WritesRd { get; }
    public int[] Flags { get; }

    /// <summary>Sum of the flags of the given operations (each must belong to the family).</summary>
    public Expr Any(TableBuilder t, params Op[] ops)
    {
        Expr? e = null;
        foreach (var op in ops)
        {
            int i = -1;
            for (int k = 0; k < _ops.Count; k++) if (_ops[k] == op) i = k;
            if (i < 0) throw new ArgumentException($"{op} is not in this family");
            e = e is null ? t.Main(Flags[i]) : e + t.Main(Flags[i]);
        }
        return e ?? Expr.Const(0);
    }

    public Expr Flag(TableBuilder t, Op op) => Any(t, op);

    /// <summary>Adds the shared constraints and the execution and ROM interactions; <paramref name="nextPc"/> is the family's pc update.</summary>
    public void Define(TableBuilder t, Expr nextPc)
    {
        Expr real = t.Main(Real);
        Gadgets.Boolean(t, "real", real);
        Expr sum = Expr.Const(0), code = Expr.Const(0);
        for (int i = 0; i < Flags.Length; i++)
        {
            Expr f = t.Main(Flags[i]);
            Gadgets.Boolean(t, FlagName(_ops[i]), f);
            sum = sum + f;
            code = code + (long)_ops[i] * f;
        }
        t.EveryRow("exactly one operation flag on real rows", sum - real);
        foreach (var (c, name) in new[] { (ReadsRs1, "r1"), (ReadsRs2, "r2"), (WritesRd, "w") })
        {
            Gadgets.Boolean(t, name, t.Main(c));
            t.EveryRow($"{name} is 0 on padding rows", (1 - real) * t.Main(c));
        }
        Gadgets.ZeroUnless(t, "padding row", real, Pc, Clk, Rd, Rs1, Rs2, Imm);
        code = code + RomCode.FlagsShift * (t.Main(ReadsRs1) + 2 * t.Main(ReadsRs2) + 4 * t.Main(WritesRd));
        t.Send(Buses.Program, real, t.Main(Pc), code, t.Main(Rd), t.Main(Rs1), t.Main(Rs2), t.Main(Imm));
        t.Receive(Buses.Execution, real, t.Main(Pc), t.Main(Clk), Expr.Const(0));
        t.Send(Buses.Execution, real, nextPc, t.Main(Clk) + 1, Expr.Const(0));
    }

    /// <summary>Reads rs1's value in slot 0 when r1 = 1 (x0, or no rs1, reads nothing: the chip sets the value to 0).</summary>
    public void ReadRs1(TableBuilder t, AccessColumns access, Expr value) =>
        access.Define(t, t.Main(ReadsRs1), Gadgets.RegisterAddress(t.Main(Rs1)), value, value, Expr.Const(0), Gadgets.Time(t.Main(Clk), 0));

    /// <summary>Reads rs2's value in slot 1 when r2 = 1.</summary>
    public void ReadRs2(TableBuilder t, AccessColumns access, Expr value) =>
        access.Define(t, t.Main(ReadsRs2), Gadgets.RegisterAddress(t.Main(Rs2)), value, value, Expr.Const(0), Gadgets.Time(t.Main(Clk), 1));

    /// <summary>Writes <paramref name="value"/> to rd in slot 3 when w = 1; column <paramref name="before"/> holds rd's old value (0 without a write).</summary>
    public void WriteRd(TableBuilder t, AccessColumns access, int before, Expr value)
    {
        access.Define(t, t.Main(WritesRd), Gadgets.RegisterAddress(t.Main(Rd)), t.Main(before), value, Expr.Const(0), Gadgets.Time(t.Main(Clk), 3));
        Gadgets.ZeroUnless(t, "no rd write", t.Main(WritesRd), before);
    }

    private static string FlagName(Op op) => $"is_{op.ToString().ToLowerInvariant()}";

    public void Fill(TraceColumns tr, int row, in InstructionRecord ins, int flag, LookupCounts counts)
    {
        var d = ins.D;
        var (r1, r2, w) = RomCode.Flags(d);
        tr.Set(Real, row, 1);
        tr.Set(Pc, row, ins.Pc);
        tr.Set(Clk, row, (ulong)ins.Clk);
        tr.Set(Rd, row, RomCode.Rd(d));
        tr.Set(Rs1, row, d.Rs1);
        tr.Set(Rs2, row, d.Rs2);
        tr.Set(Imm, row, (uint)d.Imm);
        tr.SetBool(ReadsRs1, row, r1);
        tr.SetBool(ReadsRs2, row, r2);
        tr.SetBool(WritesRd, row, w);
        tr.Set(Flags[flag], row, 1);
        counts.Program[counts.ProgramRow(ins.Pc)]++;
    }
}

/// <summary>The columns of one memory access: the two limbs of the time since the version it replaces.</summary>
internal readonly record struct AccessColumns(int DeltaLo, int DeltaHi)
{
    public static AccessColumns Add(ColumnLayout layout, string name) => new(layout.Add($"{name}.dt_lo"), layout.Add($"{name}.dt_hi"));

    /// <param name="multiplicity">1 when the access happens, else 0 (the limbs are then forced to 0).</param>
    public void Define(TableBuilder t, Expr multiplicity, Expr address, Expr before, Expr after, Expr ro, Expr time)
    {
        Gadgets.MemoryAccess(t, multiplicity, address, before, after, ro, time, t.Main(DeltaLo), t.Main(DeltaHi));
        Gadgets.ZeroUnless(t, "no access", multiplicity, DeltaLo, DeltaHi);
    }

    public void Fill(TraceColumns tr, int row, in AccessRecord a, LookupCounts counts)
    {
        long delta = a.Time - a.PreviousTime - 1;
        if (delta < 0 || delta >= 1L << 32) throw new InvalidOperationException($"access at time {a.Time} replaces a version from time {a.PreviousTime}: outside the 32-bit window");
        tr.Set(DeltaLo, row, (ulong)(delta & 0xFFFF));
        tr.Set(DeltaHi, row, (ulong)(delta >> 16));
        counts.Word((uint)delta);
    }
}
