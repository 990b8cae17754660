using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Verity.Algebra;
using Verity.Stark.Air.Expressions;

namespace Verity.Stark.Prover;

/// <summary>
/// Symbolic expressions compiled for the prover: equal subtrees merged, each node typed as base
/// or extension field, registers reused after a value's last use. The program runs over blocks
/// of rows, one instruction at a time across the whole block, so interpretation costs one
/// dispatch per instruction per block rather than per row.
/// Outputs are weighted sums: output g accumulates Σ weight·term over the terms assigned to g.
/// </summary>
internal sealed class ConstraintProgram
{
    public const int BlockSize = 256;

    private enum Op : byte
    {
        LoadBase, LoadExt,
        AddBB, SubBB, MulBB, NegB,
        AddEE, SubEE, MulEE, NegE,
        AddEB, SubEB, SubBE, MulEB,
        AccB, AccE,
    }

    private struct Instr
    {
        public Op Op;
        public ExprKind Kind;
        public bool Next;
        public int Dst, A, B, Column, Group;
        public Goldilocks3 Weight;
    }

    private readonly Instr[] _program;
    private readonly (int Reg, Goldilocks Value)[] _baseConsts;
    private readonly (int Reg, Goldilocks3 Value)[] _extConsts;
    private readonly int _baseRegs, _extRegs;
    private readonly int[] _lazyGroups; // output groups that receive base-field terms

    public int Outputs { get; }

    public ConstraintProgram(IReadOnlyList<(Expr Term, int Group, Goldilocks3 Weight)> terms, int outputs,
        Func<Expr, Goldilocks3> uniformValue)
    {
        Outputs = outputs;
        var builder = new Builder(uniformValue);
        var roots = new List<(int Node, int Group, Goldilocks3 Weight)>();
        foreach (var (term, group, weight) in terms)
        {
            if ((uint)group >= (uint)outputs) throw new ArgumentOutOfRangeException(nameof(terms), $"Output group {group} of {outputs}.");
            roots.Add((builder.Add(term), group, weight));
        }
        (_program, _baseConsts, _extConsts, _baseRegs, _extRegs) = builder.Emit(roots);
        _lazyGroups = [.. _program.Where(i => i.Op == Op.AccB).Select(i => i.Group).Distinct().Order()];
    }

    /// <summary>Per-thread scratch registers.</summary>
    public sealed class Scratch
    {
        internal readonly Goldilocks[] Base;
        internal readonly Goldilocks3[] Ext;
        internal readonly LazyAccumulator[] Lazy;

        internal Scratch(ConstraintProgram p)
        {
            Base = new Goldilocks[System.Math.Max(1, p._baseRegs) * BlockSize];
            Ext = new Goldilocks3[System.Math.Max(1, p._extRegs) * BlockSize];
            Lazy = new LazyAccumulator[p.Outputs * BlockSize];
            foreach (var (reg, v) in p._baseConsts) Base.AsSpan(reg * BlockSize, BlockSize).Fill(v);
            foreach (var (reg, v) in p._extConsts) Ext.AsSpan(reg * BlockSize, BlockSize).Fill(v);
        }
    }

    public Scratch CreateScratch() => new(this);

    /// <summary>Evaluates rows rowStart..rowStart+count−1 (count ≤ BlockSize); outputs[g] receives count values.</summary>
    [SkipLocalsInit]
    public void Evaluate(IRowSource source, int rowStart, int count, Scratch scratch, Span<Goldilocks3> outputs)
    {
        if (count > BlockSize) throw new ArgumentOutOfRangeException(nameof(count));
        outputs[..(Outputs * BlockSize)].Clear();
        var lazy = scratch.Lazy;
        foreach (int g in _lazyGroups) lazy.AsSpan(g * BlockSize, count).Clear();
        var bregs = scratch.Base;
        var eregs = scratch.Ext;
        foreach (ref readonly var ins in _program.AsSpan())
        {
            switch (ins.Op)
            {
                case Op.LoadBase:
                    source.LoadBase(ins.Kind, ins.Column, ins.Next, rowStart, bregs.AsSpan(ins.Dst * BlockSize, count));
                    break;
                case Op.LoadExt:
                    source.LoadExt(ins.Column, ins.Next, rowStart, eregs.AsSpan(ins.Dst * BlockSize, count));
                    break;
                case Op.AddBB: BinBB<AddB>(bregs, ins, count); break;
                case Op.SubBB: BinBB<SubB>(bregs, ins, count); break;
                case Op.MulBB: MulBB(bregs, ins, count); break;
                case Op.NegB:
                    {
                        var d = bregs.AsSpan(ins.Dst * BlockSize, count); var a = bregs.AsSpan(ins.A * BlockSize, count);
                        for (int i = 0; i < d.Length; i++) d[i] = -a[i];
                        break;
                    }
                case Op.AddEE: BinEE<AddE>(eregs, ins, count); break;
                case Op.SubEE: BinEE<SubE>(eregs, ins, count); break;
                case Op.MulEE: BinEE<MulE>(eregs, ins, count); break;
                case Op.NegE:
                    {
                        var d = eregs.AsSpan(ins.Dst * BlockSize, count); var a = eregs.AsSpan(ins.A * BlockSize, count);
                        for (int i = 0; i < d.Length; i++) d[i] = -a[i];
                        break;
                    }
                case Op.AddEB: BinEB<AddEBOp>(eregs, bregs, ins, count); break;
                case Op.SubEB: BinEB<SubEBOp>(eregs, bregs, ins, count); break;
                case Op.SubBE: BinEB<SubBEOp>(eregs, bregs, ins, count); break;
                case Op.MulEB: BinEB<MulEBOp>(eregs, bregs, ins, count); break;
                case Op.AccB:
                    {
                        // Base-field terms times extension weights: 128-bit products summed, reduced once below.
                        var acc = lazy.AsSpan(ins.Group * BlockSize, count); var a = bregs.AsSpan(ins.A * BlockSize, count);
                        ulong w0 = ins.Weight.C0.Value, w1 = ins.Weight.C1.Value, w2 = ins.Weight.C2.Value;
                        for (int i = 0; i < acc.Length; i++) acc[i].Add(a[i].Value, w0, w1, w2);
                        break;
                    }
                case Op.AccE:
                    {
                        var o = outputs.Slice(ins.Group * BlockSize, count); var a = eregs.AsSpan(ins.A * BlockSize, count);
                        var w = ins.Weight;
                        if (w == Goldilocks3.One) for (int i = 0; i < o.Length; i++) o[i] += a[i];
                        else for (int i = 0; i < o.Length; i++) o[i] += w * a[i];
                        break;
                    }
            }
        }
        foreach (int g in _lazyGroups)
        {
            var o = outputs.Slice(g * BlockSize, count); var acc = lazy.AsSpan(g * BlockSize, count);
            for (int i = 0; i < o.Length; i++) o[i] += acc[i].Reduce();
        }
    }

    // Operations as struct type parameters: the JIT specializes each loop and inlines the arithmetic.
    private interface IOp<TA, TB, TR> { static abstract TR Apply(TA a, TB b); }
    private struct AddB : IOp<Goldilocks, Goldilocks, Goldilocks> { public static Goldilocks Apply(Goldilocks a, Goldilocks b) => a + b; }
    private struct SubB : IOp<Goldilocks, Goldilocks, Goldilocks> { public static Goldilocks Apply(Goldilocks a, Goldilocks b) => a - b; }
    private struct AddE : IOp<Goldilocks3, Goldilocks3, Goldilocks3> { public static Goldilocks3 Apply(Goldilocks3 a, Goldilocks3 b) => a + b; }
    private struct SubE : IOp<Goldilocks3, Goldilocks3, Goldilocks3> { public static Goldilocks3 Apply(Goldilocks3 a, Goldilocks3 b) => a - b; }
    private struct MulE : IOp<Goldilocks3, Goldilocks3, Goldilocks3> { public static Goldilocks3 Apply(Goldilocks3 a, Goldilocks3 b) => a * b; }
    private struct AddEBOp : IOp<Goldilocks3, Goldilocks, Goldilocks3> { public static Goldilocks3 Apply(Goldilocks3 a, Goldilocks b) => new(a.C0 + b, a.C1, a.C2); }
    private struct SubEBOp : IOp<Goldilocks3, Goldilocks, Goldilocks3> { public static Goldilocks3 Apply(Goldilocks3 a, Goldilocks b) => new(a.C0 - b, a.C1, a.C2); }
    private struct SubBEOp : IOp<Goldilocks3, Goldilocks, Goldilocks3> { public static Goldilocks3 Apply(Goldilocks3 a, Goldilocks b) => new(b - a.C0, -a.C1, -a.C2); }
    private struct MulEBOp : IOp<Goldilocks3, Goldilocks, Goldilocks3> { public static Goldilocks3 Apply(Goldilocks3 a, Goldilocks b) => a * b; }

    private static void MulBB(Goldilocks[] r, in Instr ins, int count)
    {
        ref var d = ref MemoryMarshal.GetArrayDataReference(r);
        int dst = ins.Dst * BlockSize, a = ins.A * BlockSize, b = ins.B * BlockSize;
        for (int i = 0; i < count; i++)
            Unsafe.Add(ref d, dst + i) = Unsafe.Add(ref d, a + i) * Unsafe.Add(ref d, b + i);
    }

    private static void BinBB<TOp>(Goldilocks[] r, in Instr ins, int count) where TOp : struct, IOp<Goldilocks, Goldilocks, Goldilocks>
    {
        var d = r.AsSpan(ins.Dst * BlockSize, count); var a = r.AsSpan(ins.A * BlockSize, count); var b = r.AsSpan(ins.B * BlockSize, count);
        for (int i = 0; i < d.Length; i++) d[i] = TOp.Apply(a[i], b[i]);
    }

    private static void BinEE<TOp>(Goldilocks3[] r, in Instr ins, int count) where TOp : struct, IOp<Goldilocks3, Goldilocks3, Goldilocks3>
    {
        var d = r.AsSpan(ins.Dst * BlockSize, count); var a = r.AsSpan(ins.A * BlockSize, count); var b = r.AsSpan(ins.B * BlockSize, count);
        for (int i = 0; i < d.Length; i++) d[i] = TOp.Apply(a[i], b[i]);
    }

    private static void BinEB<TOp>(Goldilocks3[] e, Goldilocks[] br, in Instr ins, int count) where TOp : struct, IOp<Goldilocks3, Goldilocks, Goldilocks3>
    {
        var d = e.AsSpan(ins.Dst * BlockSize, count); var a = e.AsSpan(ins.A * BlockSize, count); var b = br.AsSpan(ins.B * BlockSize, count);
        for (int i = 0; i < d.Length; i++) d[i] = TOp.Apply(a[i], b[i]);
    }

    /// <summary>Hash-conses the expression DAG, then linearizes it with register reuse.</summary>
    private sealed class Builder(Func<Expr, Goldilocks3> uniformValue)
    {
        private readonly record struct Key(ExprKind Kind, int Index, bool Next, ulong C0, ulong C1, ulong C2, int L, int R);

        private sealed class Node
        {
            public ExprKind Kind;
            public int Index;
            public bool Next;
            public bool IsExt;
            public Goldilocks3 Constant; // for constants and uniform leaves
            public bool IsConstant;
            public int L = -1, R = -1;
        }

        private readonly List<Node> _nodes = [];
        private readonly Dictionary<Key, int> _ids = [];
        private readonly Dictionary<Expr, int> _memo = new(ReferenceEqualityComparer.Instance);

        public int Add(Expr e)
        {
            if (_memo.TryGetValue(e, out int id)) return id;
            id = e.Kind switch
            {
                ExprKind.Constant => Const(e.Constant),
                ExprKind.PublicInput or ExprKind.Challenge or ExprKind.ClaimedSum => Const(uniformValue(e), e.IsExtension),
                ExprKind.Main or ExprKind.Preprocessed or ExprKind.Periodic or ExprKind.Auxiliary =>
                    Intern(new Node { Kind = e.Kind, Index = e.Index, Next = e.IsNext, IsExt = e.Kind == ExprKind.Auxiliary }),
                ExprKind.Neg => Unary(Add(e.Left!)),
                _ => Binary(e.Kind, Add(e.Left!), Add(e.Right!)),
            };
            _memo[e] = id;
            return id;
        }

        private int Const(Goldilocks3 v, bool ext = false) =>
            Intern(new Node { Kind = ExprKind.Constant, IsConstant = true, Constant = v, IsExt = ext && !v.IsBase });

        private int Const(Goldilocks v) => Const((Goldilocks3)v);

        private int Unary(int a)
        {
            var n = _nodes[a];
            if (n.IsConstant) return Const(-n.Constant, n.IsExt);
            return Intern(new Node { Kind = ExprKind.Neg, L = a, IsExt = n.IsExt });
        }

        private int Binary(ExprKind kind, int a, int b)
        {
            Node na = _nodes[a], nb = _nodes[b];
            if (na.IsConstant && nb.IsConstant)
            {
                var v = kind switch { ExprKind.Add => na.Constant + nb.Constant, ExprKind.Sub => na.Constant - nb.Constant, _ => na.Constant * nb.Constant };
                return Const(v, na.IsExt || nb.IsExt);
            }
            if (kind == ExprKind.Add && na.IsConstant && na.Constant.IsZero) return b;
            if (kind is ExprKind.Add or ExprKind.Sub && nb.IsConstant && nb.Constant.IsZero) return a;
            if (kind == ExprKind.Mul && na.IsConstant && na.Constant == Goldilocks3.One) return b;
            if (kind == ExprKind.Mul && nb.IsConstant && nb.Constant == Goldilocks3.One) return a;
            if (kind == ExprKind.Mul && ((na.IsConstant && na.Constant.IsZero) || (nb.IsConstant && nb.Constant.IsZero))) return Const(Goldilocks.Zero);
            // Commutative operations get a canonical operand order so a+b and b+a merge.
            if (kind is ExprKind.Add or ExprKind.Mul && a > b) (a, b) = (b, a);
            return Intern(new Node { Kind = kind, L = a, R = b, IsExt = na.IsExt || nb.IsExt });
        }

        private int Intern(Node n)
        {
            var key = new Key(n.Kind, n.Index, n.Next, n.Constant.C0.Value, n.Constant.C1.Value, n.Constant.C2.Value, n.L, n.R);
            if (n.IsConstant) key = key with { Index = n.IsExt ? 1 : 0 };
            if (_ids.TryGetValue(key, out int id)) return id;
            _nodes.Add(n);
            _ids[key] = _nodes.Count - 1;
            return _nodes.Count - 1;
        }

        public (Instr[], (int, Goldilocks)[], (int, Goldilocks3)[], int, int) Emit(List<(int Node, int Group, Goldilocks3 Weight)> roots)
        {
            // Nodes are created children-first, so index order is a topological order.
            int count = _nodes.Count;
            var needed = new bool[count];
            var stack = new Stack<int>(roots.Select(r => r.Node));
            while (stack.Count > 0)
            {
                int i = stack.Pop();
                if (needed[i]) continue;
                needed[i] = true;
                if (_nodes[i].L >= 0) stack.Push(_nodes[i].L);
                if (_nodes[i].R >= 0) stack.Push(_nodes[i].R);
            }
            // Last instruction index that reads each node (roots are read by their accumulate step at the end).
            var lastUse = new int[count];
            for (int i = 0; i < count; i++)
            {
                if (!needed[i]) continue;
                if (_nodes[i].L >= 0) lastUse[_nodes[i].L] = System.Math.Max(lastUse[_nodes[i].L], i);
                if (_nodes[i].R >= 0) lastUse[_nodes[i].R] = System.Math.Max(lastUse[_nodes[i].R], i);
            }
            foreach (var r in roots) lastUse[r.Node] = int.MaxValue;

            var reg = new int[count];
            var freeB = new Stack<int>(); var freeE = new Stack<int>();
            int nb = 0, ne = 0;
            var program = new List<Instr>();
            var bconsts = new List<(int, Goldilocks)>(); var econsts = new List<(int, Goldilocks3)>();
            for (int i = 0; i < count; i++)
            {
                if (!needed[i]) continue;
                var n = _nodes[i];
                if (n.IsConstant)
                {
                    // Constants live in pinned registers filled once per scratch.
                    if (n.IsExt) { reg[i] = ne++; econsts.Add((reg[i], n.Constant)); }
                    else { reg[i] = nb++; bconsts.Add((reg[i], n.Constant.C0)); }
                    continue;
                }
                int dst = n.IsExt ? (freeE.Count > 0 ? freeE.Pop() : ne++) : (freeB.Count > 0 ? freeB.Pop() : nb++);
                reg[i] = dst;
                program.Add(Lower(n, dst, reg));
                // Free operands whose last reader is this node (after allocating dst, so dst never aliases an operand).
                foreach (int child in new[] { n.L, n.R })
                {
                    if (child < 0 || _nodes[child].IsConstant || lastUse[child] != i) continue;
                    if (child == n.R && n.L == n.R) continue;
                    (_nodes[child].IsExt ? freeE : freeB).Push(reg[child]);
                }
            }
            foreach (var (node, group, weight) in roots)
                program.Add(new Instr { Op = _nodes[node].IsExt ? Op.AccE : Op.AccB, A = reg[node], Group = group, Weight = weight });
            return ([.. program], [.. bconsts], [.. econsts], nb, ne);
        }

        private Instr Lower(Node n, int dst, int[] reg)
        {
            switch (n.Kind)
            {
                case ExprKind.Main or ExprKind.Preprocessed or ExprKind.Periodic:
                    return new Instr { Op = Op.LoadBase, Kind = n.Kind, Column = n.Index, Next = n.Next, Dst = dst };
                case ExprKind.Auxiliary:
                    return new Instr { Op = Op.LoadExt, Kind = n.Kind, Column = n.Index, Next = n.Next, Dst = dst };
                case ExprKind.Neg:
                    return new Instr { Op = n.IsExt ? Op.NegE : Op.NegB, Dst = dst, A = reg[n.L] };
            }
            Node l = _nodes[n.L], r = _nodes[n.R];
            int a = reg[n.L], b = reg[n.R];
            if (!l.IsExt && !r.IsExt)
                return new Instr { Op = n.Kind switch { ExprKind.Add => Op.AddBB, ExprKind.Sub => Op.SubBB, _ => Op.MulBB }, Dst = dst, A = a, B = b };
            if (l.IsExt && r.IsExt)
                return new Instr { Op = n.Kind switch { ExprKind.Add => Op.AddEE, ExprKind.Sub => Op.SubEE, _ => Op.MulEE }, Dst = dst, A = a, B = b };
            if (l.IsExt)
                return new Instr { Op = n.Kind switch { ExprKind.Add => Op.AddEB, ExprKind.Sub => Op.SubEB, _ => Op.MulEB }, Dst = dst, A = a, B = b };
            // base op ext: swap for commutative ops; b − a for subtraction.
            return new Instr { Op = n.Kind switch { ExprKind.Add => Op.AddEB, ExprKind.Sub => Op.SubBE, _ => Op.MulEB }, Dst = dst, A = b, B = a };
        }
    }
}
