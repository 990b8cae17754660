using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// MUL, MULH, MULHSU and MULHU. Operands a (rs1, 0 for x0) and b (rs2, 0 for x0) are read as range-checked 16-bit
/// limbs a = a0 + 2^16·a1, b = b0 + 2^16·b1 (a read value is canonical, so the limbs are its unique split). The
/// result c = c_lo + 2^16·c_hi (range-checked) is written to rd. With the product gadget
/// (<see cref="ProductColumns"/>), a·b = low + 2^32·(a1·b1 + k), where low is the product's low word:
/// <list type="bullet">
/// <item>MUL: low = c, i.e. a0·b0 + 2^16·(a0·b1 + a1·b0) = c + 2^32·k; the high part is not needed.</item>
/// <item>MULH/MULHSU/MULHU: low = x = x0 + 2^16·x1 (range-checked, 0 on MUL rows). With sign bits sa (MULH,
/// MULHSU) and sb (MULH), 0 for unsigned operands, the signed product is
/// (a − 2^32·sa)(b − 2^32·sb) = a·b − 2^32·(sa·b + sb·a) + 2^64·sa·sb, so its high word is
/// c = a1·b1 + k − sa·b − sb·a + 2^32·m, with m a bit (the honest wrap is 0 or 1; the integer range of every term
/// is below 2^35, so the equation is exact and c canonical makes it unique).</item>
/// </list>
/// </summary>
internal sealed class MulChip : FamilyChip
{
    private readonly InstructionColumns _ins;
    private readonly int _a0, _a1, _b0, _b1, _x0, _x1, _cLo, _cHi, _sa, _sb, _m, _rdBefore;
    private readonly ProductColumns _product;
    private readonly AccessColumns _rs1, _rs2, _rd;

    public MulChip() : base("mul", Op.Mul, Op.Mulh, Op.Mulhsu, Op.Mulhu)
    {
        _ins = new InstructionColumns(Layout, Ops);
        _a0 = Layout.Add("a0");
        _a1 = Layout.Add("a1");
        _b0 = Layout.Add("b0");
        _b1 = Layout.Add("b1");
        _x0 = Layout.Add("low0");
        _x1 = Layout.Add("low1");
        _cLo = Layout.Add("c_lo");
        _cHi = Layout.Add("c_hi");
        _sa = Layout.Add("a_sign");
        _sb = Layout.Add("b_sign");
        _m = Layout.Add("wrap");
        _rdBefore = Layout.Add("rd_before");
        _product = ProductColumns.Add(Layout, "ab");
        _rs1 = AccessColumns.Add(Layout, "rs1");
        _rs2 = AccessColumns.Add(Layout, "rs2");
        _rd = AccessColumns.Add(Layout, "rd");
    }

    public override void Define(TableBuilder t)
    {
        Expr pc = t.Main(_ins.Pc), real = t.Main(_ins.Real);
        Expr r1 = t.Main(_ins.ReadsRs1), r2 = t.Main(_ins.ReadsRs2);
        Expr a0 = t.Main(_a0), a1 = t.Main(_a1), b0 = t.Main(_b0), b1 = t.Main(_b1);
        Expr sa = t.Main(_sa), sb = t.Main(_sb), m = t.Main(_m);
        _ins.Define(t, pc + 4);

        Expr mul = _ins.Flag(t, Op.Mul), mulh = _ins.Flag(t, Op.Mulh);
        Expr signedA = _ins.Any(t, Op.Mulh, Op.Mulhsu), high = _ins.Any(t, Op.Mulh, Op.Mulhsu, Op.Mulhu);

        t.EveryRow("a0 is 0 unless rs1 is read", (1 - r1) * a0);
        t.EveryRow("a1 is 0 unless rs1 is read", (1 - r1) * a1);
        t.EveryRow("b0 is 0 unless rs2 is read", (1 - r2) * b0);
        t.EveryRow("b1 is 0 unless rs2 is read", (1 - r2) * b1);
        Expr a = Gadgets.Word(t, r1, a0, a1);
        Expr b = Gadgets.Word(t, r2, b0, b1);
        Expr c = Gadgets.Word(t, real, t.Main(_cLo), t.Main(_cHi));
        Expr x = Gadgets.Word(t, high, t.Main(_x0), t.Main(_x1));

        ProductColumns.SignBit(t, "a_sign", signedA, a1, sa);
        ProductColumns.SignBit(t, "b_sign", mulh, b1, sb);
        Gadgets.Boolean(t, "wrap", m);

        Expr k = _product.Define(t, real, a0, a1, b0, b1, -(mul * c) - x);
        t.EveryRow("high: c = a1·b1 + k − sa·b − sb·a + 2^32·m", high * (b1 * a1 + k - sa * b - sb * a + Gadgets.TwoTo32 * m - c));

        Gadgets.ZeroUnless(t, "padding row", real, _cLo, _cHi);
        Gadgets.ZeroUnless(t, "not a high multiply", high, _x0, _x1, _m);
        Gadgets.ZeroUnless(t, "a unsigned", signedA, _sa);
        Gadgets.ZeroUnless(t, "b unsigned", mulh, _sb);
        _ins.ReadRs1(t, _rs1, a);
        _ins.ReadRs2(t, _rs2, b);
        _ins.WriteRd(t, _rd, _rdBefore, c);
    }

    protected override void FillRow(TraceColumns tr, int row, in InstructionRecord ins, int flag, SegmentWitness witness, LookupCounts counts)
    {
        _ins.Fill(tr, row, ins, flag, counts);
        var op = ins.D.Op;
        uint a = 0, b = 0;
        if (witness.TryAccess(ins, ins.Clk, 0, out var ra)) { a = ra.Value; _rs1.Fill(tr, row, ra, counts); counts.Word(a); }
        if (witness.TryAccess(ins, ins.Clk, 1, out var rb)) { b = rb.Value; _rs2.Fill(tr, row, rb, counts); counts.Word(b); }
        tr.Set(_a0, row, a & 0xFFFF);
        tr.Set(_a1, row, a >> 16);
        tr.Set(_b0, row, b & 0xFFFF);
        tr.Set(_b1, row, b >> 16);

        ulong product = (ulong)a * b;
        uint low = (uint)product;
        long k = _product.Fill(tr, row, a, b, -(long)low, counts);
        uint c;
        if (op == Op.Mul) c = low;
        else
        {
            tr.Set(_x0, row, low & 0xFFFF);
            tr.Set(_x1, row, low >> 16);
            counts.Word(low);
            uint sa = op is Op.Mulh or Op.Mulhsu ? ProductColumns.FillSignBit(tr, row, _sa, a, counts) : 0;
            uint sb = op == Op.Mulh ? ProductColumns.FillSignBit(tr, row, _sb, b, counts) : 0;
            long highPart = (long)(a >> 16) * (b >> 16) + k - (long)sa * b - (long)sb * a;
            c = (uint)highPart;
            tr.Set(_m, row, (ulong)((c - highPart) >> 32));
            uint expected = op switch
            {
                Op.Mulh => (uint)(((long)(int)a * (int)b) >> 32),
                Op.Mulhsu => (uint)(((long)(int)a * (long)b) >> 32),
                _ => (uint)(product >> 32),
            };
            if (c != expected) throw new InvalidOperationException($"mul witness at pc 0x{ins.Pc:x8}: high word 0x{c:x8}, expected 0x{expected:x8}");
        }
        tr.Set(_cLo, row, c & 0xFFFF);
        tr.Set(_cHi, row, c >> 16);
        counts.Word(c);
        if (witness.TryAccess(ins, ins.Clk, 3, out var rd))
        {
            if (rd.Value != c) throw new InvalidOperationException($"mul witness at pc 0x{ins.Pc:x8}: computed 0x{c:x8}, executor wrote 0x{rd.Value:x8}");
            tr.Set(_rdBefore, row, rd.Previous);
            _rd.Fill(tr, row, rd, counts);
        }
    }
}
