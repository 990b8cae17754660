using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// ADD, SUB, ADDI, LUI, AUIPC and FENCE: a 32-bit adder. The result c = lo + 2^16·hi has range-checked limbs and
/// one carry (or borrow) bit: add-like ops a + b = c + 2^32·carry, SUB a − b = c − 2^32·borrow, AUIPC pc + imm =
/// c + 2^32·carry. Operand a is rs1's value (0 for x0 or no rs1); b is rs2's value (0 for x0) or the immediate.
/// LUI runs as x0 + imm (its ROM row has no rs1) and FENCE as x0 + 0 with no destination.
/// </summary>
internal sealed class ArithChip : FamilyChip
{
    private readonly InstructionColumns _ins;
    private readonly int _a, _b, _cLo, _cHi, _carry, _rdBefore;
    private readonly AccessColumns _rs1, _rs2, _rd;

    public ArithChip() : base("arith", Op.Add, Op.Sub, Op.Addi, Op.Lui, Op.Auipc, Op.Fence)
    {
        _ins = new InstructionColumns(Layout, Ops);
        _a = Layout.Add("a");
        _b = Layout.Add("b");
        _cLo = Layout.Add("c_lo");
        _cHi = Layout.Add("c_hi");
        _carry = Layout.Add("carry");
        _rdBefore = Layout.Add("rd_before");
        _rs1 = AccessColumns.Add(Layout, "rs1");
        _rs2 = AccessColumns.Add(Layout, "rs2");
        _rd = AccessColumns.Add(Layout, "rd");
    }

    public override void Define(TableBuilder t)
    {
        Expr pc = t.Main(_ins.Pc), imm = t.Main(_ins.Imm), real = t.Main(_ins.Real);
        Expr r1 = t.Main(_ins.ReadsRs1), r2 = t.Main(_ins.ReadsRs2);
        Expr a = t.Main(_a), b = t.Main(_b), carry = t.Main(_carry);
        _ins.Define(t, pc + 4);

        Expr addLike = _ins.Any(t, Op.Add, Op.Addi, Op.Lui, Op.Fence);
        Expr sub = _ins.Flag(t, Op.Sub), auipc = _ins.Flag(t, Op.Auipc);
        Expr immediate = _ins.Any(t, Op.Addi, Op.Lui, Op.Auipc, Op.Fence);

        t.EveryRow("a is 0 unless rs1 is read", (1 - r1) * a);
        t.EveryRow("b is the immediate, or 0 for x0, unless rs2 is read", (1 - r2) * (b - immediate * imm));
        Gadgets.Boolean(t, "carry", carry);
        Expr c = Gadgets.Word(t, real, t.Main(_cLo), t.Main(_cHi));
        t.EveryRow("add: a + b = c + 2^32·carry", addLike * (a + b - c - Gadgets.TwoTo32 * carry));
        t.EveryRow("sub: a − b = c − 2^32·borrow", sub * (a - b - c + Gadgets.TwoTo32 * carry));
        t.EveryRow("auipc: pc + imm = c + 2^32·carry", auipc * (pc + imm - c - Gadgets.TwoTo32 * carry));

        Gadgets.ZeroUnless(t, "padding row", real, _cLo, _cHi, _carry);
        _ins.ReadRs1(t, _rs1, a);
        _ins.ReadRs2(t, _rs2, b);
        _ins.WriteRd(t, _rd, _rdBefore, c);
    }

    protected override void FillRow(TraceColumns tr, int row, in InstructionRecord ins, int flag, SegmentWitness witness, LookupCounts counts)
    {
        _ins.Fill(tr, row, ins, flag, counts);
        var d = ins.D;
        uint a = 0, b = (uint)d.Imm;
        if (witness.TryAccess(ins, ins.Clk, 0, out var ra)) { a = ra.Value; _rs1.Fill(tr, row, ra, counts); }
        if (d.Op is Op.Add or Op.Sub) b = 0;
        if (witness.TryAccess(ins, ins.Clk, 1, out var rb)) { b = rb.Value; _rs2.Fill(tr, row, rb, counts); }
        ulong wide = d.Op switch
        {
            Op.Sub => a + (1UL << 32) - b,
            Op.Auipc => (ulong)ins.Pc + b,
            _ => (ulong)a + b,
        };
        uint c = (uint)wide;
        bool carry = d.Op == Op.Sub ? a < b : wide >> 32 != 0;
        tr.Set(_a, row, a);
        tr.Set(_b, row, b);
        tr.Set(_cLo, row, c & 0xFFFF);
        tr.Set(_cHi, row, c >> 16);
        counts.Word(c);
        tr.SetBool(_carry, row, carry);
        if (witness.TryAccess(ins, ins.Clk, 3, out var rd))
        {
            if (rd.Value != c) throw new InvalidOperationException($"arith witness at pc 0x{ins.Pc:x8}: computed 0x{c:x8}, executor wrote 0x{rd.Value:x8}");
            tr.Set(_rdBefore, row, rd.Previous);
            _rd.Fill(tr, row, rd, counts);
        }
    }
}
