using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// SLT, SLTU, SLTI and SLTIU. Operand a = a_lo + 2^16·a_hi is rs1's value (0 for x0); b = b_lo + 2^16·b_hi is rs2's
/// value (0 for x0) or the immediate as the ROM stores it (sign-extended to 32 bits, which SLTIU compares unsigned).
/// All four limbs are range-checked, so the decompositions are canonical.
/// <para>
/// Unsigned: a − b = diff − 2^32·lt with diff = d_lo + 2^16·d_hi range-checked and lt boolean; both sides lie in
/// (−2^32, 2^32), far below p, so this is an integer identity and lt = [a &lt;u b]. Signed: a &lt;s b ⟺
/// (a XOR 2^31) &lt;u (b XOR 2^31), and x XOR 2^31 = x + 2^31 − 2^32·s_x with s_x the sign bit, so the same identity
/// reads a − b + 2^32·(sb − sa) = diff − 2^32·lt (sa = sb = 0 on unsigned rows). The sign bit of a comes from
/// Range16(2·a_hi − 2^16·sa): a_hi is a range-checked 16-bit integer, so 2·a_hi − 2^16·sa lies in [−2^16, 2^17)
/// without wrapping, and it is in [0, 2^16) exactly when sa = [a_hi ≥ 2^15]; likewise sb. The result is lt.
/// </para>
/// </summary>
internal sealed class CompareChip : FamilyChip
{
    private readonly InstructionColumns _ins;
    private readonly int _aLo, _aHi, _bLo, _bHi, _sa, _sb, _dLo, _dHi, _lt, _rdBefore;
    private readonly AccessColumns _rs1, _rs2, _rd;

    public CompareChip() : base("compare", Op.Slt, Op.Sltu, Op.Slti, Op.Sltiu)
    {
        _ins = new InstructionColumns(Layout, Ops);
        _aLo = Layout.Add("a_lo");
        _aHi = Layout.Add("a_hi");
        _bLo = Layout.Add("b_lo");
        _bHi = Layout.Add("b_hi");
        _sa = Layout.Add("sign_a");
        _sb = Layout.Add("sign_b");
        _dLo = Layout.Add("diff_lo");
        _dHi = Layout.Add("diff_hi");
        _lt = Layout.Add("lt");
        _rdBefore = Layout.Add("rd_before");
        _rs1 = AccessColumns.Add(Layout, "rs1");
        _rs2 = AccessColumns.Add(Layout, "rs2");
        _rd = AccessColumns.Add(Layout, "rd");
    }

    public override void Define(TableBuilder t)
    {
        Expr pc = t.Main(_ins.Pc), imm = t.Main(_ins.Imm), real = t.Main(_ins.Real);
        Expr r1 = t.Main(_ins.ReadsRs1), r2 = t.Main(_ins.ReadsRs2);
        Expr sa = t.Main(_sa), sb = t.Main(_sb), lt = t.Main(_lt);
        _ins.Define(t, pc + 4);

        Expr signed = _ins.Any(t, Op.Slt, Op.Slti);
        Expr immediate = _ins.Any(t, Op.Slti, Op.Sltiu);
        Expr a = Gadgets.Word(t, r1, t.Main(_aLo), t.Main(_aHi));
        Expr b = Gadgets.Word(t, real, t.Main(_bLo), t.Main(_bHi));
        Expr diff = Gadgets.Word(t, real, t.Main(_dLo), t.Main(_dHi));

        t.EveryRow("b is the immediate, or 0 for x0, unless rs2 is read", (1 - r2) * (b - immediate * imm));
        Gadgets.Boolean(t, "sign_a", sa);
        Gadgets.Boolean(t, "sign_b", sb);
        Gadgets.Boolean(t, "lt", lt);
        Gadgets.Range16(t, signed, 2 * t.Main(_aHi) - Gadgets.TwoTo16 * sa);
        Gadgets.Range16(t, signed, 2 * t.Main(_bHi) - Gadgets.TwoTo16 * sb);
        t.EveryRow("a − b + 2^32·(sb − sa) = diff − 2^32·lt", a - b + Gadgets.TwoTo32 * (sb - sa) - diff + Gadgets.TwoTo32 * lt);

        Gadgets.ZeroUnless(t, "no rs1 read", r1, _aLo, _aHi);
        Gadgets.ZeroUnless(t, "unsigned or padding row", signed, _sa, _sb);
        Gadgets.ZeroUnless(t, "padding row", real, _bLo, _bHi, _dLo, _dHi, _lt);
        _ins.ReadRs1(t, _rs1, a);
        _ins.ReadRs2(t, _rs2, b);
        _ins.WriteRd(t, _rd, _rdBefore, lt);
    }

    protected override void FillRow(TraceColumns tr, int row, in InstructionRecord ins, int flag, SegmentWitness witness, LookupCounts counts)
    {
        _ins.Fill(tr, row, ins, flag, counts);
        var d = ins.D;
        bool signed = d.Op is Op.Slt or Op.Slti;
        uint a = 0, b = d.Op is Op.Slt or Op.Sltu ? 0 : (uint)d.Imm;
        if (witness.TryAccess(ins, ins.Clk, 0, out var ra))
        {
            a = ra.Value;
            _rs1.Fill(tr, row, ra, counts);
            counts.Word(a);
        }
        if (witness.TryAccess(ins, ins.Clk, 1, out var rb)) { b = rb.Value; _rs2.Fill(tr, row, rb, counts); }
        counts.Word(b);
        tr.Set(_aLo, row, a & 0xFFFF);
        tr.Set(_aHi, row, a >> 16);
        tr.Set(_bLo, row, b & 0xFFFF);
        tr.Set(_bHi, row, b >> 16);

        uint sa = 0, sb = 0;
        if (signed)
        {
            sa = a >> 31;
            sb = b >> 31;
            counts.Range(2 * (a >> 16) - (sa << 16));
            counts.Range(2 * (b >> 16) - (sb << 16));
        }
        tr.Set(_sa, row, sa);
        tr.Set(_sb, row, sb);
        // x − y = diff − 2^32·lt on the (sign-flipped, when signed) operands.
        uint flip = signed ? 0x80000000u : 0, x = a ^ flip, y = b ^ flip;
        bool lt = x < y;
        uint diff = unchecked(x - y);
        tr.Set(_dLo, row, diff & 0xFFFF);
        tr.Set(_dHi, row, diff >> 16);
        counts.Word(diff);
        tr.SetBool(_lt, row, lt);
        uint c = lt ? 1u : 0u;
        if (witness.TryAccess(ins, ins.Clk, 3, out var rd))
        {
            if (rd.Value != c) throw new InvalidOperationException($"compare witness at pc 0x{ins.Pc:x8}: computed {c}, executor wrote 0x{rd.Value:x8}");
            tr.Set(_rdBefore, row, rd.Previous);
            _rd.Fill(tr, row, rd, counts);
        }
    }
}
