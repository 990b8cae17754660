using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// DIV, DIVU, REM and REMU. The dividend a (rs1) and divisor b (rs2) are read as 16-bit limbs (0 for x0); the
/// prover supplies quotient q and remainder r, also as range-checked limbs, and rd gets res = q (DIV, DIVU) or r
/// (REM, REMU). Signed ops use sign bits sa, sb, sq, sr (0 for unsigned ops), so X_s = X − 2^32·sX.
/// <list type="bullet">
/// <item>Identity: b_s·q_s + r_s − a_s = 2^32·ov exactly, with ov = 1 only for INT_MIN / −1. The product gadget
/// states b0·q0 + 2^16·(b0·q1 + b1·q0) + r − a = 2^32·k, and then
/// b·q + r − a − 2^32·(sb·q + sq·b) + 2^64·sb·sq − 2^32·(sr − sa) = 2^32·(b1·q1 + k − sb·q − sq·b + 2^32·sb·sq − sr + sa),
/// so b1·q1 + k − sb·q − sq·b + 2^32·sb·sq − sr + sa = ov (all terms below 2^35: exact over the integers).</item>
/// <item>Remainder bound (b ≠ 0): |b_s| − |r_s| − 1 = diff with diff's limbs range-checked, where
/// |X_s| = X + sX·(2^32 − 2X); and r·(sr − sa) = 0: a non-zero remainder has the dividend's sign. With the identity
/// this is truncated division, which has a unique (q, r).</item>
/// <item>b = 0 (bz): db = b0 + b1 with db·bz = 0, db·binv = real − bz and binv = 0 unless db ≠ 0, so bz = [b = 0]
/// on real rows. Then q = 2^32 − 1 is forced and the identity gives r = a (k = 0, sr = sa); the bound is off.</item>
/// <item>Overflow (signed only): dv = a0 + (a1 − 2^15·sa) + (1 − sa) + (2^16 − 1 − b0) + (2^16 − 1 − b1) is a sum
/// of non-negative terms, 0 exactly when a = INT_MIN and b = −1; ov·dv = 0, dv·oinv = signed − ov, ov·oinv = 0
/// make ov = [dv = 0]. Then the identity with ov = 1 and |r| &lt; 1 force r = 0, q = INT_MIN.</item>
/// </list>
/// </summary>
internal sealed class DivChip : FamilyChip
{
    private readonly InstructionColumns _ins;
    private readonly int _a0, _a1, _b0, _b1, _q0, _q1, _r0, _r1, _sa, _sb, _sq, _sr, _d0, _d1, _bz, _bInv, _ov, _ovInv, _res, _rdBefore;
    private readonly ProductColumns _product;
    private readonly AccessColumns _rs1, _rs2, _rd;

    public DivChip() : base("div", Op.Div, Op.Divu, Op.Rem, Op.Remu)
    {
        _ins = new InstructionColumns(Layout, Ops);
        _a0 = Layout.Add("a0");
        _a1 = Layout.Add("a1");
        _b0 = Layout.Add("b0");
        _b1 = Layout.Add("b1");
        _q0 = Layout.Add("q_lo");
        _q1 = Layout.Add("q_hi");
        _r0 = Layout.Add("rem_lo");
        _r1 = Layout.Add("rem_hi");
        _sa = Layout.Add("a_sign");
        _sb = Layout.Add("b_sign");
        _sq = Layout.Add("q_sign");
        _sr = Layout.Add("r_sign");
        _d0 = Layout.Add("bound_lo");
        _d1 = Layout.Add("bound_hi");
        _bz = Layout.Add("b_zero");
        _bInv = Layout.Add("b_inv");
        _ov = Layout.Add("overflow");
        _ovInv = Layout.Add("overflow_inv");
        _res = Layout.Add("result");
        _rdBefore = Layout.Add("rd_before");
        _product = ProductColumns.Add(Layout, "bq");
        _rs1 = AccessColumns.Add(Layout, "rs1");
        _rs2 = AccessColumns.Add(Layout, "rs2");
        _rd = AccessColumns.Add(Layout, "rd");
    }

    public override void Define(TableBuilder t)
    {
        Expr M(int c) => t.Main(c);
        Expr pc = M(_ins.Pc), real = M(_ins.Real);
        Expr r1 = M(_ins.ReadsRs1), r2 = M(_ins.ReadsRs2);
        Expr a0 = M(_a0), a1 = M(_a1), b0 = M(_b0), b1 = M(_b1), q0 = M(_q0), q1 = M(_q1);
        Expr sa = M(_sa), sb = M(_sb), sq = M(_sq), sr = M(_sr), bz = M(_bz), bInv = M(_bInv), ov = M(_ov), ovInv = M(_ovInv), res = M(_res);
        _ins.Define(t, pc + 4);

        Expr signed = _ins.Any(t, Op.Div, Op.Rem), quotient = _ins.Any(t, Op.Div, Op.Divu), remainder = _ins.Any(t, Op.Rem, Op.Remu);

        t.EveryRow("a0 is 0 unless rs1 is read", (1 - r1) * a0);
        t.EveryRow("a1 is 0 unless rs1 is read", (1 - r1) * a1);
        t.EveryRow("b0 is 0 unless rs2 is read", (1 - r2) * b0);
        t.EveryRow("b1 is 0 unless rs2 is read", (1 - r2) * b1);
        Expr a = Gadgets.Word(t, r1, a0, a1);
        Expr b = Gadgets.Word(t, r2, b0, b1);
        Expr q = Gadgets.Word(t, real, q0, q1);
        Expr r = Gadgets.Word(t, real, M(_r0), M(_r1));
        foreach (var (name, hi, s) in new[] { ("a_sign", a1, sa), ("b_sign", b1, sb), ("q_sign", q1, sq), ("r_sign", M(_r1), sr) })
            ProductColumns.SignBit(t, name, signed, hi, s);

        Expr k = _product.Define(t, real, b0, b1, q0, q1, r - a);
        t.EveryRow("identity: b_s·q_s + r_s − a_s = 2^32·overflow", b1 * q1 + k - sb * q - sq * b + Gadgets.TwoTo32 * (sb * sq) - sr + sa - ov);

        Expr db = b0 + b1;
        t.EveryRow("b = 0 → b_zero", db * bInv - real + bz);
        t.EveryRow("b ≠ 0 → not b_zero", db * bz);
        t.EveryRow("b_inv is 0 unless b ≠ 0", (1 - real + bz) * bInv);
        t.EveryRow("b = 0: q = 2^32 − 1", bz * (q - (Gadgets.TwoTo32 - 1)));

        Expr absB = b + sb * (Gadgets.TwoTo32 - 2 * b), absR = r + sr * (Gadgets.TwoTo32 - 2 * r);
        Expr diff = M(_d0) + Gadgets.TwoTo16 * M(_d1);
        t.EveryRow("b ≠ 0: |r| < |b|", (real - bz) * (absB - absR - 1 - diff));
        Gadgets.Range16(t, real - bz, M(_d0));
        Gadgets.Range16(t, real - bz, M(_d1));
        t.EveryRow("a non-zero remainder has the dividend's sign", r * (sr - sa));

        Expr dv = a0 + (a1 - (1L << 15) * sa) + (1 - sa) + (0xFFFF - b0) + (0xFFFF - b1);
        Gadgets.Boolean(t, "overflow", ov);
        t.EveryRow("overflow → a = INT_MIN, b = −1", ov * dv);
        t.EveryRow("not INT_MIN / −1 → no overflow", dv * ovInv - signed + ov);
        t.EveryRow("overflow_inv is 0 on overflow", ov * ovInv);

        t.EveryRow("DIV/DIVU write q", quotient * (res - q));
        t.EveryRow("REM/REMU write r", remainder * (res - r));

        Gadgets.ZeroUnless(t, "padding row", real, _q0, _q1, _r0, _r1, _res);
        Gadgets.ZeroUnless(t, "unsigned", signed, _sa, _sb, _sq, _sr, _ov, _ovInv);
        Gadgets.ZeroUnless(t, "b = 0", real - bz, _d0, _d1);
        Expr zero = Expr.Const(0);
        _ins.ReadRs1(t, _rs1, a);
        _ins.ReadRs2(t, _rs2, b);
        _ins.WriteRd(t, _rd, _rdBefore, res);
    }

    protected override void FillRow(TraceColumns tr, int row, in InstructionRecord ins, int flag, SegmentWitness witness, LookupCounts counts)
    {
        _ins.Fill(tr, row, ins, flag, counts);
        var op = ins.D.Op;
        bool signed = op is Op.Div or Op.Rem;
        uint a = 0, b = 0;
        if (witness.TryAccess(ins, ins.Clk, 0, out var ra)) { a = ra.Value; _rs1.Fill(tr, row, ra, counts); counts.Word(a); }
        if (witness.TryAccess(ins, ins.Clk, 1, out var rb)) { b = rb.Value; _rs2.Fill(tr, row, rb, counts); counts.Word(b); }

        bool overflow = signed && a == 0x80000000u && b == uint.MaxValue;
        uint q, r;
        if (b == 0) (q, r) = (uint.MaxValue, a);
        else if (overflow) (q, r) = (a, 0);
        else if (signed) (q, r) = ((uint)((int)a / (int)b), (uint)((int)a % (int)b));
        else (q, r) = (a / b, a % b);

        tr.Set(_a0, row, a & 0xFFFF);
        tr.Set(_a1, row, a >> 16);
        tr.Set(_b0, row, b & 0xFFFF);
        tr.Set(_b1, row, b >> 16);
        tr.Set(_q0, row, q & 0xFFFF);
        tr.Set(_q1, row, q >> 16);
        tr.Set(_r0, row, r & 0xFFFF);
        tr.Set(_r1, row, r >> 16);
        counts.Word(q);
        counts.Word(r);
        _product.Fill(tr, row, b, q, (long)r - a, counts);

        if (signed)
        {
            uint sa = ProductColumns.FillSignBit(tr, row, _sa, a, counts);
            ProductColumns.FillSignBit(tr, row, _sb, b, counts);
            ProductColumns.FillSignBit(tr, row, _sq, q, counts);
            ProductColumns.FillSignBit(tr, row, _sr, r, counts);
            long dv = (a & 0xFFFF) + ((a >> 16) & 0x7FFF) + (1 - sa) + (0xFFFF - (b & 0xFFFF)) + (0xFFFF - (b >> 16));
            if ((dv == 0) != overflow) throw new InvalidOperationException($"div witness at pc 0x{ins.Pc:x8}: overflow test disagrees");
            tr.SetBool(_ov, row, overflow);
            tr.SetField(_ovInv, row, overflow ? Goldilocks.Zero : Goldilocks.FromInt64(dv).Inverse());
        }
        tr.SetBool(_bz, row, b == 0);
        tr.SetField(_bInv, row, b == 0 ? Goldilocks.Zero : Goldilocks.FromUInt64((b & 0xFFFF) + (b >> 16)).Inverse());
        if (b != 0)
        {
            ulong absB = signed && (int)b < 0 ? (ulong)(-(long)(int)b) : b;
            ulong absR = signed && (int)r < 0 ? (ulong)(-(long)(int)r) : r;
            uint diff = (uint)(absB - absR - 1);
            tr.Set(_d0, row, diff & 0xFFFF);
            tr.Set(_d1, row, diff >> 16);
            counts.Word(diff);
        }

        uint res = op is Op.Div or Op.Divu ? q : r;
        tr.Set(_res, row, res);
        if (witness.TryAccess(ins, ins.Clk, 3, out var rd))
        {
            if (rd.Value != res) throw new InvalidOperationException($"div witness at pc 0x{ins.Pc:x8}: computed 0x{res:x8}, executor wrote 0x{rd.Value:x8}");
            tr.Set(_rdBefore, row, rd.Previous);
            _rd.Fill(tr, row, rd, counts);
        }
    }
}
