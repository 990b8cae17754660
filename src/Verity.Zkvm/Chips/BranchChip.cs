using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Algebra;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// BEQ, BNE, BLT, BGE, BLTU and BGEU: compare a (rs1's value, 0 for x0) with b (rs2's value, 0 for x0) and
/// continue at pc + imm (mod 2^32) when taken, else at pc + 4.
/// <list type="bullet">
/// <item>Equality (BEQ/BNE): eq boolean with (a − b)·eq = 0 and (a − b)·inv = 1 − eq, and eq·inv = 0, so inv is
/// 1/(a − b) or 0.</item>
/// <item>Order (BLT/BGE/BLTU/BGEU): ua − ub = diff − 2^32·lt with diff = d_lo + 2^16·d_hi (limbs range-checked)
/// and lt boolean, which makes lt = [ua &lt; ub] for ua, ub ∈ [0, 2^32). Unsigned ops compare ua = a, ub = b;
/// signed ops flip the sign bits, ua = a XOR 2^31 = a + 2^31 − 2^32·sa, so ua − ub = a − b − 2^32·(sa − sb).
/// The sign bit comes from a = a_lo + 2^16·a_mid + 2^31·sa with a_lo, a_mid and a_mid + 2^15 range-checked
/// (a_mid &lt; 2^15), a decomposition that is unique for a canonical u32 (likewise for b).</item>
/// <item>taken = eq (BEQ), 1 − eq (BNE), lt (BLT/BLTU), 1 − lt (BGE/BGEU), and
/// next_pc = pc + 4 + taken·(imm − 4 − 2^32·carry), with carry boolean and 0 unless taken. A taken target
/// pc + imm − 2^32·carry is looked up as the next row's pc in the ROM (or is the next segment's start pc, which
/// is), and only the right carry gives a canonical u32, so carry is unique: no target column is needed.</item>
/// </list>
/// Branches never write rd (the ROM's w is 0), so the only accesses are the reads of rs1 (slot 0) and rs2 (slot 1).
/// </summary>
internal sealed class BranchChip : FamilyChip
{
    private readonly InstructionColumns _ins;
    private readonly int _a, _b, _eq, _inv, _lt, _dLo, _dHi, _aLo, _aMid, _sa, _bLo, _bMid, _sb, _carry, _nextPc;
    private readonly AccessColumns _rs1, _rs2;

    public BranchChip() : base("branch", Op.Beq, Op.Bne, Op.Blt, Op.Bge, Op.Bltu, Op.Bgeu)
    {
        _ins = new InstructionColumns(Layout, Ops);
        _a = Layout.Add("a");
        _b = Layout.Add("b");
        _eq = Layout.Add("eq");
        _inv = Layout.Add("inv");
        _lt = Layout.Add("lt");
        _dLo = Layout.Add("diff_lo");
        _dHi = Layout.Add("diff_hi");
        _aLo = Layout.Add("a_lo");
        _aMid = Layout.Add("a_mid");
        _sa = Layout.Add("a_sign");
        _bLo = Layout.Add("b_lo");
        _bMid = Layout.Add("b_mid");
        _sb = Layout.Add("b_sign");
        _carry = Layout.Add("carry");
        _nextPc = Layout.Add("next_pc");
        _rs1 = AccessColumns.Add(Layout, "rs1");
        _rs2 = AccessColumns.Add(Layout, "rs2");
    }

    public override void Define(TableBuilder t)
    {
        Expr pc = t.Main(_ins.Pc), clk = t.Main(_ins.Clk), imm = t.Main(_ins.Imm), real = t.Main(_ins.Real);
        Expr r1 = t.Main(_ins.ReadsRs1), r2 = t.Main(_ins.ReadsRs2);
        Expr a = t.Main(_a), b = t.Main(_b), eq = t.Main(_eq), inv = t.Main(_inv), lt = t.Main(_lt);
        Expr sa = t.Main(_sa), sb = t.Main(_sb), carry = t.Main(_carry), nextPc = t.Main(_nextPc);
        _ins.Define(t, nextPc);

        Expr beq = _ins.Flag(t, Op.Beq), bne = _ins.Flag(t, Op.Bne);
        Expr ltTaken = _ins.Any(t, Op.Blt, Op.Bltu), geTaken = _ins.Any(t, Op.Bge, Op.Bgeu);
        Expr equality = _ins.Any(t, Op.Beq, Op.Bne);
        Expr order = _ins.Any(t, Op.Blt, Op.Bge, Op.Bltu, Op.Bgeu);
        Expr signed = _ins.Any(t, Op.Blt, Op.Bge);

        t.EveryRow("a is 0 unless rs1 is read", (1 - r1) * a);
        t.EveryRow("b is 0 unless rs2 is read", (1 - r2) * b);

        // Equality: eq = [a = b] on BEQ/BNE rows, inv its witness.
        Gadgets.Boolean(t, "eq", eq);
        t.EveryRow("eq implies a = b", (a - b) * eq);
        t.EveryRow("a ≠ b implies eq = 0 via inv", (a - b) * inv - equality + eq);
        t.EveryRow("inv is 0 when eq", eq * inv);
        Gadgets.ZeroUnless(t, "not beq/bne", equality, _eq, _inv);

        // Sign bits of signed comparisons: a = a_lo + 2^16·a_mid + 2^31·sa with a_mid < 2^15.
        Gadgets.Boolean(t, "a_sign", sa);
        Gadgets.Boolean(t, "b_sign", sb);
        Expr aMid = t.Main(_aMid), bMid = t.Main(_bMid);
        Gadgets.Range16(t, signed, t.Main(_aLo));
        Gadgets.Range16(t, signed, aMid);
        Gadgets.Range16(t, signed, aMid + (1L << 15));
        Gadgets.Range16(t, signed, t.Main(_bLo));
        Gadgets.Range16(t, signed, bMid);
        Gadgets.Range16(t, signed, bMid + (1L << 15));
        t.EveryRow("signed: a = a_lo + 2^16·a_mid + 2^31·sa", signed * (a - t.Main(_aLo) - Gadgets.TwoTo16 * aMid - (1L << 31) * sa));
        t.EveryRow("signed: b = b_lo + 2^16·b_mid + 2^31·sb", signed * (b - t.Main(_bLo) - Gadgets.TwoTo16 * bMid - (1L << 31) * sb));
        Gadgets.ZeroUnless(t, "not blt/bge", signed, _aLo, _aMid, _sa, _bLo, _bMid, _sb);

        // Order: (a XOR 2^31·signed) − (b XOR 2^31·signed) = diff − 2^32·lt.
        Gadgets.Boolean(t, "lt", lt);
        Expr diff = Gadgets.Word(t, order, t.Main(_dLo), t.Main(_dHi));
        t.EveryRow("compare: ua − ub = diff − 2^32·lt", order * (a - b - Gadgets.TwoTo32 * (sa - sb) - diff + Gadgets.TwoTo32 * lt));
        Gadgets.ZeroUnless(t, "not an order branch", order, _dLo, _dHi, _lt);

        // Next pc: pc + 4, or the target pc + imm − 2^32·carry when taken.
        Expr taken = bne + eq * (beq - bne) + geTaken + lt * (ltTaken - geTaken);
        Gadgets.Boolean(t, "carry", carry);
        t.EveryRow("carry is 0 unless taken", (1 - taken) * carry);
        t.EveryRow("next_pc = pc + 4 + taken·(imm − 4 − 2^32·carry)", nextPc - pc - 4 * real - taken * (imm - 4 - Gadgets.TwoTo32 * carry));
        _ins.ReadRs1(t, _rs1, a);
        _ins.ReadRs2(t, _rs2, b);
    }

    protected override void FillRow(TraceColumns tr, int row, in InstructionRecord ins, int flag, SegmentWitness witness, LookupCounts counts)
    {
        _ins.Fill(tr, row, ins, flag, counts);
        var d = ins.D;
        uint a = 0, b = 0;
        if (witness.TryAccess(ins, ins.Clk, 0, out var ra)) { a = ra.Value; _rs1.Fill(tr, row, ra, counts); }
        if (witness.TryAccess(ins, ins.Clk, 1, out var rb)) { b = rb.Value; _rs2.Fill(tr, row, rb, counts); }
        tr.Set(_a, row, a);
        tr.Set(_b, row, b);

        bool taken;
        if (d.Op is Op.Beq or Op.Bne)
        {
            bool eq = a == b;
            tr.SetBool(_eq, row, eq);
            if (!eq) tr.SetField(_inv, row, (Goldilocks.FromUInt64(a) - Goldilocks.FromUInt64(b)).Inverse());
            taken = eq == (d.Op == Op.Beq);
        }
        else
        {
            bool signed = d.Op is Op.Blt or Op.Bge;
            uint ua = a, ub = b;
            if (signed)
            {
                FillSign(tr, row, _aLo, _aMid, _sa, a, counts);
                FillSign(tr, row, _bLo, _bMid, _sb, b, counts);
                ua ^= 0x8000_0000u;
                ub ^= 0x8000_0000u;
            }
            bool lt = ua < ub;
            uint diff = ua - ub;
            tr.SetBool(_lt, row, lt);
            tr.Set(_dLo, row, diff & 0xFFFF);
            tr.Set(_dHi, row, diff >> 16);
            counts.Word(diff);
            taken = lt == (d.Op is Op.Blt or Op.Bltu);
        }

        ulong target = (ulong)ins.Pc + (uint)d.Imm;
        uint next = taken ? (uint)target : ins.Pc + 4;
        if (taken) tr.SetBool(_carry, row, target >> 32 != 0);
        tr.Set(_nextPc, row, next);
        uint executorNext = NextPc(witness, ins);
        if (executorNext != next)
            throw new InvalidOperationException($"branch witness at pc 0x{ins.Pc:x8}: computed next pc 0x{next:x8}, executor went to 0x{executorNext:x8}");
    }

    private static void FillSign(TraceColumns tr, int row, int lo, int mid, int sign, uint v, LookupCounts counts)
    {
        uint m = (v >> 16) & 0x7FFF;
        tr.Set(lo, row, v & 0xFFFF);
        tr.Set(mid, row, m);
        tr.SetBool(sign, row, v >> 31 != 0);
        counts.Range(v & 0xFFFF);
        counts.Range(m);
        counts.Range(m + (1u << 15));
    }

    /// <summary>The pc the executor continued at: the next instruction's, or the segment's end pc after its last one.</summary>
    internal static uint NextPc(SegmentWitness witness, in InstructionRecord ins)
    {
        var all = witness.Instructions;
        long clk = ins.Clk + ins.Cycles;
        int lo = 0, hi = all.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (all[mid].Clk < clk) lo = mid + 1; else hi = mid;
        }
        return lo < all.Length && all[lo].Clk == clk ? all[lo].Pc : witness.Segment.EndPc;
    }
}
