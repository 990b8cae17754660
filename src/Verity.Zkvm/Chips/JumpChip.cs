using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// JAL and JALR: write the link pc + 4 to rd and continue at the target.
/// <list type="bullet">
/// <item>Target: next_pc = base + imm − 2^32·carry − bit0, with base = pc (JAL) or a, rs1's value (JALR, 0 for x0),
/// carry boolean (the sum taken mod 2^32) and bit0 boolean (JALR clears bit 0 of the sum; 0 for JAL). next_pc is
/// the next row's pc, looked up in the ROM (or the next segment's start pc, which is), whose pcs are 4-aligned
/// canonical u32s: a wrong carry moves the target by ±2^32 out of the u32 range and a wrong bit0 makes it odd, so
/// both are unique.</item>
/// <item>Link: link_lo + 2^16·link_hi = pc + 4 with both limbs range-checked, when rd ≠ x0 (w = 1). A code word
/// at 0xFFFFFFFC has no canonical link, so it cannot be proven (as the pc + 4 of every other chip).</item>
/// </list>
/// JALR reads rs1 in slot 0 before the rd write in slot 3, so rd may equal rs1.
/// </summary>
internal sealed class JumpChip : FamilyChip
{
    private readonly InstructionColumns _ins;
    private readonly int _a, _linkLo, _linkHi, _rdBefore, _carry, _bit0, _nextPc;
    private readonly AccessColumns _rs1, _rd;

    public JumpChip() : base("jump", Op.Jal, Op.Jalr)
    {
        _ins = new InstructionColumns(Layout, Ops);
        _a = Layout.Add("a");
        _linkLo = Layout.Add("link_lo");
        _linkHi = Layout.Add("link_hi");
        _rdBefore = Layout.Add("rd_before");
        _carry = Layout.Add("carry");
        _bit0 = Layout.Add("bit0");
        _nextPc = Layout.Add("next_pc");
        _rs1 = AccessColumns.Add(Layout, "rs1");
        _rd = AccessColumns.Add(Layout, "rd");
    }

    public override void Define(TableBuilder t)
    {
        Expr pc = t.Main(_ins.Pc), imm = t.Main(_ins.Imm), real = t.Main(_ins.Real);
        Expr r1 = t.Main(_ins.ReadsRs1), w = t.Main(_ins.WritesRd);
        Expr a = t.Main(_a), carry = t.Main(_carry), bit0 = t.Main(_bit0), nextPc = t.Main(_nextPc);
        Expr jal = _ins.Flag(t, Op.Jal), jalr = _ins.Flag(t, Op.Jalr);
        _ins.Define(t, nextPc);

        t.EveryRow("a is 0 unless rs1 is read", (1 - r1) * a);
        Gadgets.Boolean(t, "carry", carry);
        Gadgets.Boolean(t, "bit0", bit0);
        t.EveryRow("next_pc = (jal ? pc : a) + imm − 2^32·carry − bit0", nextPc - jal * pc - a - imm + Gadgets.TwoTo32 * carry + bit0);
        Gadgets.ZeroUnless(t, "padding row", real, _carry);
        Gadgets.ZeroUnless(t, "not jalr", jalr, _bit0);

        Expr link = Gadgets.Word(t, w, t.Main(_linkLo), t.Main(_linkHi));
        t.EveryRow("link = pc + 4 when rd is written", w * (link - pc - 4));
        Gadgets.ZeroUnless(t, "no rd write", w, _linkLo, _linkHi, _rdBefore);
        _ins.ReadRs1(t, _rs1, a);
        _ins.WriteRd(t, _rd, _rdBefore, link);
    }

    protected override void FillRow(TraceColumns tr, int row, in InstructionRecord ins, int flag, SegmentWitness witness, LookupCounts counts)
    {
        _ins.Fill(tr, row, ins, flag, counts);
        var d = ins.D;
        uint a = 0;
        if (witness.TryAccess(ins, ins.Clk, 0, out var ra)) { a = ra.Value; _rs1.Fill(tr, row, ra, counts); }
        tr.Set(_a, row, a);

        ulong sum = (ulong)(d.Op == Op.Jal ? ins.Pc : a) + (uint)d.Imm;
        uint bit0 = d.Op == Op.Jalr ? (uint)sum & 1 : 0;
        uint next = (uint)sum - bit0;
        tr.SetBool(_carry, row, sum >> 32 != 0);
        tr.Set(_bit0, row, bit0);
        tr.Set(_nextPc, row, next);
        uint executorNext = BranchChip.NextPc(witness, ins);
        if (executorNext != next)
            throw new InvalidOperationException($"jump witness at pc 0x{ins.Pc:x8}: computed next pc 0x{next:x8}, executor went to 0x{executorNext:x8}");

        if (witness.TryAccess(ins, ins.Clk, 3, out var rd))
        {
            uint link = ins.Pc + 4;
            if (rd.Value != link) throw new InvalidOperationException($"jump witness at pc 0x{ins.Pc:x8}: link 0x{link:x8}, executor wrote 0x{rd.Value:x8}");
            tr.Set(_linkLo, row, link & 0xFFFF);
            tr.Set(_linkHi, row, link >> 16);
            counts.Word(link);
            tr.Set(_rdBefore, row, rd.Previous);
            _rd.Fill(tr, row, rd, counts);
        }
    }
}
