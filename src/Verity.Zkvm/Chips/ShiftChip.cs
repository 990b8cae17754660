using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// SLL, SRL, SRA, SLLI, SRLI and SRAI as one multiplication a·m, m a power of two. Operand a = a_lo + 2^16·a_hi
/// (range-checked limbs) is rs1's value (0 for x0); b is rs2's value (0 for x0) or the shamt immediate.
/// <para>
/// Shift amount: b = s + 32·k with k = k_lo + 2^16·k_hi range-checked (any word: s + 32·k &lt; 2^37 &lt; p, so it is
/// an integer identity and s = b mod 32). The five boolean columns e_j are the bits of the exponent E = s for left
/// shifts and E = 31 − s for right shifts, and m = 2^E from two product columns:
/// m1 = (real + e0)(1 + 3e1)(1 + 15e2), m = m1·(1 + 255e3)(1 + 65535e4) (real makes both 0 on padding rows).
/// </para>
/// <para>
/// The other part X = x_lo + 2^16·x_hi is proven &lt; 2^31 exactly (x_lo, x_hi and 2·x_hi range-checked); the result
/// c = c_lo + 2^16·c_hi is a range-checked word.
/// SLL: a·2^s = c + 2^32·X: both sides &lt; 2^63 + 2^32 &lt; p, so c = (a·2^s) mod 2^32.
/// SRL: a·2^(31−s) = 2^31·c + X: both sides &lt; 2^63 + 2^31 &lt; p, so c = ⌊a / 2^s⌋.
/// SRA: the same on the signed values a − 2^32·sa and c − 2^32·sa (the result keeps a's sign):
/// (a − 2^32·sa)·m = 2^31·(c − 2^32·sa) + X, i.e. a·m − 2^31·c − X − sa·(2^32·m − 2^63) = 0; the sides differ by
/// less than 2^62 + 2^63 + 2^31 &lt; p, so c − 2^32·sa = ⌊(a − 2^32·sa) / 2^s⌋. The sign bit sa of a (0 off SRA rows)
/// comes from Range16(2·a_hi − 2^16·sa), which holds exactly when sa = [a_hi ≥ 2^15] (a_hi is a 16-bit integer).
/// Without the exact bound on X these identities could wrap modulo p (e.g. X = 2^32 − 1 fakes results).
/// </para>
/// </summary>
internal sealed class ShiftChip : FamilyChip
{
    private readonly InstructionColumns _ins;
    private readonly int _aLo, _aHi, _sa, _b, _kLo, _kHi, _m1, _m, _cLo, _cHi, _xLo, _xHi, _rdBefore;
    private readonly int[] _e;
    private readonly AccessColumns _rs1, _rs2, _rd;

    public ShiftChip() : base("shift", Op.Sll, Op.Srl, Op.Sra, Op.Slli, Op.Srli, Op.Srai)
    {
        _ins = new InstructionColumns(Layout, Ops);
        _aLo = Layout.Add("a_lo");
        _aHi = Layout.Add("a_hi");
        _sa = Layout.Add("sign_a");
        _b = Layout.Add("b");
        _kLo = Layout.Add("k_lo");
        _kHi = Layout.Add("k_hi");
        _e = Layout.AddMany("exponent_bit", 5);
        _m1 = Layout.Add("pow_low3");
        _m = Layout.Add("pow");
        _cLo = Layout.Add("c_lo");
        _cHi = Layout.Add("c_hi");
        _xLo = Layout.Add("x_lo");
        _xHi = Layout.Add("x_hi");
        _rdBefore = Layout.Add("rd_before");
        _rs1 = AccessColumns.Add(Layout, "rs1");
        _rs2 = AccessColumns.Add(Layout, "rs2");
        _rd = AccessColumns.Add(Layout, "rd");
    }

    public override void Define(TableBuilder t)
    {
        Expr pc = t.Main(_ins.Pc), imm = t.Main(_ins.Imm), real = t.Main(_ins.Real);
        Expr r1 = t.Main(_ins.ReadsRs1), r2 = t.Main(_ins.ReadsRs2);
        Expr sa = t.Main(_sa), b = t.Main(_b), m1 = t.Main(_m1), m = t.Main(_m);
        _ins.Define(t, pc + 4);

        Expr left = _ins.Any(t, Op.Sll, Op.Slli), right = _ins.Any(t, Op.Srl, Op.Sra, Op.Srli, Op.Srai);
        Expr arith = _ins.Any(t, Op.Sra, Op.Srai), immediate = _ins.Any(t, Op.Slli, Op.Srli, Op.Srai);

        Expr a = Gadgets.Word(t, r1, t.Main(_aLo), t.Main(_aHi));
        Gadgets.Boolean(t, "sign_a", sa);
        Gadgets.Range16(t, arith, 2 * t.Main(_aHi) - Gadgets.TwoTo16 * sa);

        t.EveryRow("b is the immediate, or 0 for x0, unless rs2 is read", (1 - r2) * (b - immediate * imm));
        Expr k = Gadgets.Word(t, r2, t.Main(_kLo), t.Main(_kHi));
        Expr exponent = Expr.Const(0);
        for (int j = 0; j < 5; j++)
        {
            Gadgets.Boolean(t, $"exponent bit {j}", t.Main(_e[j]));
            exponent = exponent + (1L << j) * t.Main(_e[j]);
        }
        t.EveryRow("b = s + 32·k, s = E (left) or 31 − E (right)", b - 32 * k - left * exponent - right * (31 - exponent));
        Expr F(int j) => 1 + ((1L << (1 << j)) - 1) * t.Main(_e[j]);
        t.EveryRow("pow_low3 = 2^(e0 + 2e1 + 4e2) on real rows", m1 - (real + t.Main(_e[0])) * F(1) * F(2));
        t.EveryRow("pow = 2^E", m - m1 * F(3) * F(4));

        Expr c = Gadgets.Word(t, real, t.Main(_cLo), t.Main(_cHi));
        Expr x = Gadgets.Word(t, real, t.Main(_xLo), t.Main(_xHi));
        Gadgets.Range16(t, real, 2 * t.Main(_xHi));
        t.EveryRow("sll: a·2^s = c + 2^32·X", left * (a * m - c - Gadgets.TwoTo32 * x));
        Expr twoTo63 = Expr.FieldConst(Goldilocks.FromUInt64(1UL << 63));
        t.EveryRow("srl/sra: (a − 2^32·sa)·2^(31−s) = 2^31·(c − 2^32·sa) + X",
            right * (a * m - (1L << 31) * c - x) - sa * (Gadgets.TwoTo32 * m - twoTo63));

        Gadgets.ZeroUnless(t, "no rs1 read", r1, _aLo, _aHi);
        Gadgets.ZeroUnless(t, "not an arithmetic shift", arith, _sa);
        Gadgets.ZeroUnless(t, "no rs2 read", r2, _kLo, _kHi);
        Gadgets.ZeroUnless(t, "padding row", real, [.. _e, _cLo, _cHi, _xLo, _xHi]);
        _ins.ReadRs1(t, _rs1, a);
        _ins.ReadRs2(t, _rs2, b);
        _ins.WriteRd(t, _rd, _rdBefore, c);
    }

    protected override void FillRow(TraceColumns tr, int row, in InstructionRecord ins, int flag, SegmentWitness witness, LookupCounts counts)
    {
        _ins.Fill(tr, row, ins, flag, counts);
        var d = ins.D;
        bool isLeft = d.Op is Op.Sll or Op.Slli, isArith = d.Op is Op.Sra or Op.Srai;
        uint a = 0, b = d.Op is Op.Sll or Op.Srl or Op.Sra ? 0 : (uint)d.Imm;
        if (witness.TryAccess(ins, ins.Clk, 0, out var ra))
        {
            a = ra.Value;
            _rs1.Fill(tr, row, ra, counts);
            counts.Word(a);
        }
        if (witness.TryAccess(ins, ins.Clk, 1, out var rb))
        {
            b = rb.Value;
            _rs2.Fill(tr, row, rb, counts);
            counts.Word(b >> 5);
        }
        tr.Set(_aLo, row, a & 0xFFFF);
        tr.Set(_aHi, row, a >> 16);
        uint sa = isArith ? a >> 31 : 0;
        tr.Set(_sa, row, sa);
        if (isArith) counts.Range(2 * (a >> 16) - (sa << 16));
        tr.Set(_b, row, b);
        tr.Set(_kLo, row, (b >> 5) & 0xFFFF);
        tr.Set(_kHi, row, b >> 21);

        int s = (int)(b & 31), exponent = isLeft ? s : 31 - s;
        for (int j = 0; j < 5; j++) tr.Set(_e[j], row, (uint)(exponent >> j) & 1);
        tr.Set(_m1, row, 1UL << (exponent & 7));
        tr.Set(_m, row, 1UL << exponent);

        uint c;
        ulong x;
        if (isLeft)
        {
            ulong product = (ulong)a << s;
            (c, x) = ((uint)product, product >> 32);
        }
        else
        {
            // Signed product for SRA (a as a signed value), unsigned for SRL; both fit in 63 bits.
            long product = isArith ? (long)(int)a << exponent : (long)a << exponent;
            (c, x) = ((uint)(product >> 31), (ulong)product & 0x7FFFFFFF);
        }
        tr.Set(_cLo, row, c & 0xFFFF);
        tr.Set(_cHi, row, c >> 16);
        counts.Word(c);
        tr.Set(_xLo, row, x & 0xFFFF);
        tr.Set(_xHi, row, x >> 16);
        counts.Word((uint)x);
        counts.Range(2 * (x >> 16));
        if (witness.TryAccess(ins, ins.Clk, 3, out var rd))
        {
            if (rd.Value != c) throw new InvalidOperationException($"shift witness at pc 0x{ins.Pc:x8}: computed 0x{c:x8}, executor wrote 0x{rd.Value:x8}");
            tr.Set(_rdBefore, row, rd.Previous);
            _rd.Fill(tr, row, rd, counts);
        }
    }
}
