using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// AND, OR, XOR, ANDI, ORI and XORI, byte by byte. Operand a = Σ 256^i·a_i is rs1's value (0 for x0); operand
/// b = Σ 256^i·b_i is rs2's value (0 for x0) or the immediate as the ROM stores it (sign-extended to 32 bits).
/// Four byte AND lookups (a_i, b_i, n_i) give n_i = a_i AND b_i and also range-check every byte, so both
/// decompositions are the canonical ones. With A, B, N the words of the a_i, b_i, n_i, the result is
/// AND: N, OR: A + B − N, XOR: A + B − 2·N (byte-wise x OR y = x + y − (x AND y), x XOR y = x + y − 2·(x AND y),
/// each byte of the result stays in [0, 256), so no carries cross bytes and c is a canonical u32). That sum is of
/// degree 2 (flag × word), so c is its own column with one constraint and the rd write's value stays linear.
/// </summary>
internal sealed class LogicChip : FamilyChip
{
    private readonly InstructionColumns _ins;
    private readonly int[] _a, _b, _n;
    private readonly int _c, _rdBefore;
    private readonly AccessColumns _rs1, _rs2, _rd;

    public LogicChip() : base("logic", Op.And, Op.Or, Op.Xor, Op.Andi, Op.Ori, Op.Xori)
    {
        _ins = new InstructionColumns(Layout, Ops);
        _a = Layout.AddMany("a", 4);
        _b = Layout.AddMany("b", 4);
        _n = Layout.AddMany("a_and_b", 4);
        _c = Layout.Add("c");
        _rdBefore = Layout.Add("rd_before");
        _rs1 = AccessColumns.Add(Layout, "rs1");
        _rs2 = AccessColumns.Add(Layout, "rs2");
        _rd = AccessColumns.Add(Layout, "rd");
    }

    private static Expr Word(TableBuilder t, int[] bytes) =>
        t.Main(bytes[0]) + 256 * t.Main(bytes[1]) + 65536 * t.Main(bytes[2]) + 16777216 * t.Main(bytes[3]);

    public override void Define(TableBuilder t)
    {
        Expr pc = t.Main(_ins.Pc), imm = t.Main(_ins.Imm), real = t.Main(_ins.Real);
        Expr r1 = t.Main(_ins.ReadsRs1), r2 = t.Main(_ins.ReadsRs2);
        _ins.Define(t, pc + 4);

        Expr and = _ins.Any(t, Op.And, Op.Andi), or = _ins.Any(t, Op.Or, Op.Ori), xor = _ins.Any(t, Op.Xor, Op.Xori);
        Expr immediate = _ins.Any(t, Op.Andi, Op.Ori, Op.Xori);
        Expr a = Word(t, _a), b = Word(t, _b), n = Word(t, _n), c = t.Main(_c);

        // The lookups range-check a_i and b_i as bytes, so a = 0 (or b = imm) fixes every byte.
        for (int i = 0; i < 4; i++) t.Send(Buses.ByteAnd, real, t.Main(_a[i]), t.Main(_b[i]), t.Main(_n[i]));
        t.EveryRow("a is 0 unless rs1 is read", (1 - r1) * a);
        t.EveryRow("b is the immediate, or 0 for x0, unless rs2 is read", (1 - r2) * (b - immediate * imm));
        t.EveryRow("c = AND: n, OR: a + b − n, XOR: a + b − 2n", c - and * n - or * (a + b - n) - xor * (a + b - 2 * n));

        Gadgets.ZeroUnless(t, "padding row", real, [.. _a, .. _b, .. _n]);
        _ins.ReadRs1(t, _rs1, a);
        _ins.ReadRs2(t, _rs2, b);
        _ins.WriteRd(t, _rd, _rdBefore, c);
    }

    protected override void FillRow(TraceColumns tr, int row, in InstructionRecord ins, int flag, SegmentWitness witness, LookupCounts counts)
    {
        _ins.Fill(tr, row, ins, flag, counts);
        var d = ins.D;
        uint a = 0, b = d.Op is Op.And or Op.Or or Op.Xor ? 0 : (uint)d.Imm;
        if (witness.TryAccess(ins, ins.Clk, 0, out var ra)) { a = ra.Value; _rs1.Fill(tr, row, ra, counts); }
        if (witness.TryAccess(ins, ins.Clk, 1, out var rb)) { b = rb.Value; _rs2.Fill(tr, row, rb, counts); }
        for (int i = 0; i < 4; i++)
        {
            uint ai = (a >> (8 * i)) & 0xFF, bi = (b >> (8 * i)) & 0xFF;
            tr.Set(_a[i], row, ai);
            tr.Set(_b[i], row, bi);
            tr.Set(_n[i], row, ai & bi);
            counts.And(ai, bi);
        }
        uint c = d.Op switch
        {
            Op.And or Op.Andi => a & b,
            Op.Or or Op.Ori => a | b,
            _ => a ^ b,
        };
        tr.Set(_c, row, c);
        if (witness.TryAccess(ins, ins.Clk, 3, out var rd))
        {
            if (rd.Value != c) throw new InvalidOperationException($"logic witness at pc 0x{ins.Pc:x8}: computed 0x{c:x8}, executor wrote 0x{rd.Value:x8}");
            tr.Set(_rdBefore, row, rd.Previous);
            _rd.Fill(tr, row, rd, counts);
        }
    }
}
