using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// LB, LH, LW, LBU, LHU, SB, SH and SW. Every row accesses one memory word (slot 2) at the word address wa.
/// <list type="bullet">
/// <item>Address: a + imm = wa + lane + 2^32·carry, where a is rs1's value (0 for x0), lane = s1 + 2·s2 + 3·s3 from
/// the one-hot lane s0..s3, and wa = 4·wlo + 2^16·whi with wlo, 4·wlo and whi range-checked (so wa is a canonical,
/// 4-aligned u32 and the address is canonical, which fixes the carry). wa − 4096 = glo + 2^16·ghi with range-checked
/// limbs proves wa ≥ 4096: page 0 holds the registers and syscall cursors and must never alias a guest access.
/// LW/SW need lane 0, LH/LHU/SH lane 0 or 2.</item>
/// <item>The accessed word before the access is M = Σ 256^i·m_i, its bytes checked by the byte AND lookups
/// (m0, m1, m0 AND m1) and (m2, m3, m2 AND m3). Loads read it (after = M, ro = the word's read-only flag, so code and
/// rodata are readable); stores write after with ro = 0, which cannot match a read-only word's chain.</item>
/// <item>Loads: x = Σ s_i·m_i is the addressed byte, y the half's upper byte (s0·m1 + s2·m3) for LH/LHU and x itself
/// for LB; the lookup (y, 0x80, 128·sign) gives the sign bit. The result is LW: M, LBU: x, LB: x + 0xFFFFFF00·sign,
/// LHU: x + 256·y, LH: x + 256·y + 0xFFFF0000·sign, a canonical u32 written to rd (slot 3) when rd ≠ x0.</item>
/// <item>Stores: rs2's value b = Σ 256^i·v_i (bytes checked like M's, 0 for x0). SW: after = b; SB: after =
/// M + Σ 256^i·s_i·(v0 − m_i); SH: after = M + s0·(h − m0 − 256·m1) + 2^16·s2·(h − m2 − 256·m3), h = v0 + 256·v1.</item>
/// </list>
/// </summary>
internal sealed class LoadStoreChip : FamilyChip
{
    private const long Page0End = 4096;

    private readonly InstructionColumns _ins;
    private readonly int _a, _carry, _wlo, _whi, _glo, _ghi, _andM01, _andM23, _andV01, _andV23;
    private readonly int _ro, _after, _x, _y, _sign, _res, _rdBefore;
    private readonly int[] _s, _m, _v;
    private readonly AccessColumns _rs1, _rs2, _mem, _rd;

    public LoadStoreChip() : base("loadstore", Op.Lb, Op.Lh, Op.Lw, Op.Lbu, Op.Lhu, Op.Sb, Op.Sh, Op.Sw)
    {
        _ins = new InstructionColumns(Layout, Ops);
        _a = Layout.Add("a");
        _carry = Layout.Add("carry");
        _s = Layout.AddMany("lane", 4);
        _wlo = Layout.Add("wa_lo4");
        _whi = Layout.Add("wa_hi");
        _glo = Layout.Add("above_page0_lo");
        _ghi = Layout.Add("above_page0_hi");
        _m = Layout.AddMany("m", 4);
        _andM01 = Layout.Add("m01_and");
        _andM23 = Layout.Add("m23_and");
        _v = Layout.AddMany("v", 4);
        _andV01 = Layout.Add("v01_and");
        _andV23 = Layout.Add("v23_and");
        _ro = Layout.Add("ro");
        _after = Layout.Add("after");
        _x = Layout.Add("x");
        _y = Layout.Add("y");
        _sign = Layout.Add("sign");
        _res = Layout.Add("result");
        _rdBefore = Layout.Add("rd_before");
        _rs1 = AccessColumns.Add(Layout, "rs1");
        _rs2 = AccessColumns.Add(Layout, "rs2");
        _mem = AccessColumns.Add(Layout, "mem");
        _rd = AccessColumns.Add(Layout, "rd");
    }

    public override void Define(TableBuilder t)
    {
        Expr C(int c) => t.Main(c);
        Expr pc = C(_ins.Pc), clk = C(_ins.Clk), imm = C(_ins.Imm), real = C(_ins.Real);
        Expr r1 = C(_ins.ReadsRs1), r2 = C(_ins.ReadsRs2);
        Expr a = C(_a), carry = C(_carry), x = C(_x), y = C(_y), sign = C(_sign), after = C(_after);
        Expr[] s = [.. _s.Select(C)], m = [.. _m.Select(C)], v = [.. _v.Select(C)];
        _ins.Define(t, pc + 4);

        Expr lb = _ins.Flag(t, Op.Lb), lh = _ins.Flag(t, Op.Lh), lw = _ins.Flag(t, Op.Lw), lbu = _ins.Flag(t, Op.Lbu), lhu = _ins.Flag(t, Op.Lhu);
        Expr sb = _ins.Flag(t, Op.Sb), sh = _ins.Flag(t, Op.Sh), sw = _ins.Flag(t, Op.Sw);
        Expr load = _ins.Any(t, Op.Lb, Op.Lh, Op.Lw, Op.Lbu, Op.Lhu), store = _ins.Any(t, Op.Sb, Op.Sh, Op.Sw);
        Expr narrowLoad = _ins.Any(t, Op.Lb, Op.Lh, Op.Lbu, Op.Lhu), signed = _ins.Any(t, Op.Lb, Op.Lh);

        // Address: canonical, 4-aligned word address ≥ 4096 plus a one-hot lane.
        t.EveryRow("a is 0 unless rs1 is read", (1 - r1) * a);
        Gadgets.Boolean(t, "carry", carry);
        for (int i = 0; i < 4; i++) Gadgets.Boolean(t, $"lane {i}", s[i]);
        t.EveryRow("one lane on real rows", s[0] + s[1] + s[2] + s[3] - real);
        Gadgets.Range16(t, real, C(_wlo));
        Gadgets.Range16(t, real, 4 * C(_wlo));
        Gadgets.Range16(t, real, C(_whi));
        Expr wa = 4 * C(_wlo) + Gadgets.TwoTo16 * C(_whi);
        Expr lane = s[1] + 2 * s[2] + 3 * s[3];
        t.EveryRow("rs1 + imm = wa + lane + 2^32·carry", a + imm - wa - lane - Gadgets.TwoTo32 * carry);
        Gadgets.Range16(t, real, C(_glo));
        Gadgets.Range16(t, real, C(_ghi));
        t.EveryRow("wa − 4096 = glo + 2^16·ghi (not page 0)", real * (wa - Page0End - C(_glo) - Gadgets.TwoTo16 * C(_ghi)));
        t.EveryRow("word accesses are aligned", (lw + sw) * (1 - s[0]));
        t.EveryRow("half-word accesses are aligned", _ins.Any(t, Op.Lh, Op.Lhu, Op.Sh) * (s[1] + s[3]));

        // The accessed word M and rs2's value b, byte by byte.
        t.Send(Buses.ByteAnd, real, m[0], m[1], C(_andM01));
        t.Send(Buses.ByteAnd, real, m[2], m[3], C(_andM23));
        t.Send(Buses.ByteAnd, store, v[0], v[1], C(_andV01));
        t.Send(Buses.ByteAnd, store, v[2], v[3], C(_andV23));
        Expr word = m[0] + 256 * m[1] + 65536 * m[2] + 16777216 * m[3];
        Expr b = v[0] + 256 * v[1] + 65536 * v[2] + 16777216 * v[3];
        for (int i = 0; i < 4; i++) t.EveryRow($"v{i} is 0 unless rs2 is read", (1 - r2) * v[i]);

        // Loads.
        t.EveryRow("x is the addressed byte", narrowLoad * (x - (s[0] * m[0] + s[1] * m[1] + s[2] * m[2] + s[3] * m[3])));
        t.EveryRow("y is the half's upper byte", (lh + lhu) * (y - s[0] * m[1] - s[2] * m[3]));
        t.EveryRow("y is the byte itself for lb", lb * (y - x));
        t.Send(Buses.ByteAnd, signed, y, Expr.Const(0x80), 0x80 * sign);
        t.EveryRow("load result", C(_res) - (lw * word + lbu * x + lb * (x + 0xFFFFFF00L * sign)
            + lhu * (x + 256 * y) + lh * (x + 256 * y + 0xFFFF0000L * sign)));
        Gadgets.Boolean(t, "ro", C(_ro));

        // Stores.
        t.EveryRow("loads keep the word", load * (after - word));
        t.EveryRow("sw writes rs2", sw * (after - b));
        t.EveryRow("sb replaces the addressed byte", sb * (after - word
            - s[0] * (v[0] - m[0]) - 256 * s[1] * (v[0] - m[1]) - 65536 * s[2] * (v[0] - m[2]) - 16777216 * s[3] * (v[0] - m[3])));
        Expr half = v[0] + 256 * v[1];
        t.EveryRow("sh replaces the addressed half", sh * (after - word
            - s[0] * (half - m[0] - 256 * m[1]) - 65536 * s[2] * (half - m[2] - 256 * m[3])));

        // Determinism: unused columns are 0.
        Gadgets.ZeroUnless(t, "padding row", real, _carry, _wlo, _whi, _glo, _ghi, _m[0], _m[1], _m[2], _m[3], _andM01, _andM23, _after);
        Gadgets.ZeroUnless(t, "not a store", store, _andV01, _andV23);
        Gadgets.ZeroUnless(t, "not a load", load, _ro);
        Gadgets.ZeroUnless(t, "not a narrow load", narrowLoad, _x);
        Gadgets.ZeroUnless(t, "not lb/lh/lhu", lb + lh + lhu, _y);
        Gadgets.ZeroUnless(t, "not a signed load", signed, _sign);
        _ins.ReadRs1(t, _rs1, a);
        _ins.ReadRs2(t, _rs2, b);
        _mem.Define(t, real, wa, word, after, C(_ro), Gadgets.Time(clk, 2));
        _ins.WriteRd(t, _rd, _rdBefore, C(_res));
    }

    protected override void FillRow(TraceColumns tr, int row, in InstructionRecord ins, int flag, SegmentWitness witness, LookupCounts counts)
    {
        _ins.Fill(tr, row, ins, flag, counts);
        var d = ins.D;
        var op = d.Op;
        string where = $"load/store witness at pc 0x{ins.Pc:x8}";
        uint a = 0, b = 0;
        if (witness.TryAccess(ins, ins.Clk, 0, out var ra)) { a = ra.Value; _rs1.Fill(tr, row, ra, counts); }
        if (witness.TryAccess(ins, ins.Clk, 1, out var rb)) { b = rb.Value; _rs2.Fill(tr, row, rb, counts); }
        if (!witness.TryAccess(ins, ins.Clk, 2, out var mem)) throw new InvalidOperationException($"{where}: no memory access in slot 2");

        // Address.
        ulong sum = (ulong)a + (uint)d.Imm;
        uint addr = (uint)sum, wa = addr & ~3u;
        int lane = (int)(addr & 3);
        if (wa != mem.Address) throw new InvalidOperationException($"{where}: address 0x{addr:x8}, executor accessed word 0x{mem.Address:x8}");
        if (wa < Page0End) throw new InvalidOperationException($"{where}: access to page 0 at 0x{addr:x8}");
        tr.Set(_a, row, a);
        tr.SetBool(_carry, row, sum >> 32 != 0);
        tr.Set(_s[lane], row, 1);
        uint wlo = (wa & 0xFFFF) >> 2, whi = wa >> 16, g = wa - (uint)Page0End;
        tr.Set(_wlo, row, wlo);
        tr.Set(_whi, row, whi);
        counts.Range(wlo);
        counts.Range(4 * wlo);
        counts.Range(whi);
        tr.Set(_glo, row, g & 0xFFFF);
        tr.Set(_ghi, row, g >> 16);
        counts.Word(g);

        // The word before the access.
        uint word = mem.Previous;
        if (!mem.IsWrite && mem.Value != word) throw new InvalidOperationException($"{where}: a load changed the word");
        var m = new uint[4];
        for (int i = 0; i < 4; i++) { m[i] = (word >> (8 * i)) & 0xFF; tr.Set(_m[i], row, m[i]); }
        tr.Set(_andM01, row, m[0] & m[1]);
        tr.Set(_andM23, row, m[2] & m[3]);
        counts.And(m[0], m[1]);
        counts.And(m[2], m[3]);
        tr.Set(_after, row, mem.Value);
        _mem.Fill(tr, row, mem, counts);

        bool isStore = op is Op.Sb or Op.Sh or Op.Sw;
        if (isStore)
        {
            var v = new uint[4];
            for (int i = 0; i < 4; i++) { v[i] = (b >> (8 * i)) & 0xFF; tr.Set(_v[i], row, v[i]); }
            tr.Set(_andV01, row, v[0] & v[1]);
            tr.Set(_andV23, row, v[2] & v[3]);
            counts.And(v[0], v[1]);
            counts.And(v[2], v[3]);
            uint expected = op switch
            {
                Op.Sw => b,
                Op.Sh => (word & ~(0xFFFFu << (8 * lane))) | ((b & 0xFFFF) << (8 * lane)),
                _ => (word & ~(0xFFu << (8 * lane))) | ((b & 0xFF) << (8 * lane)),
            };
            if (!mem.IsWrite || mem.Value != expected)
                throw new InvalidOperationException($"{where}: computed new word 0x{expected:x8}, executor wrote 0x{mem.Value:x8}");
            return;
        }

        uint x = m[lane], y = 0, sign = 0;
        if (op is Op.Lh or Op.Lhu) y = m[lane + 1];
        if (op == Op.Lb) y = x;
        if (op is Op.Lb or Op.Lh) { sign = y >> 7; counts.And(y, 0x80); }
        if (op != Op.Lw) tr.Set(_x, row, x);
        tr.Set(_y, row, y);
        tr.Set(_sign, row, sign);
        tr.SetBool(_ro, row, witness.Boundary.IsReadOnly(wa));
        uint res = op switch
        {
            Op.Lw => word,
            Op.Lbu => x,
            Op.Lb => x | (sign != 0 ? 0xFFFFFF00u : 0),
            Op.Lhu => x | (y << 8),
            _ => x | (y << 8) | (sign != 0 ? 0xFFFF0000u : 0),
        };
        tr.Set(_res, row, res);
        if (witness.TryAccess(ins, ins.Clk, 3, out var rd))
        {
            if (rd.Value != res) throw new InvalidOperationException($"{where}: computed 0x{res:x8}, executor wrote 0x{rd.Value:x8}");
            tr.Set(_rdBefore, row, rd.Previous);
            _rd.Fill(tr, row, rd, counts);
        }
    }
}
