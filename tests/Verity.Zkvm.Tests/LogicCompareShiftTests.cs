using Verity.Vm;
using Verity.Vm.Tests;
using Verity.Zkvm.Chips;
using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests;

/// <summary>
/// The logic (AND/OR/XOR and immediates), compare (SLT/SLTU/SLTI/SLTIU) and shift (SLL/SRL/SRA and immediates)
/// chips: corner values prove and verify with the right results, and single-cell changes to their tables, including
/// a wrong result, are rejected.
/// </summary>
public class LogicCompareShiftTests
{
    private static readonly string[] RegisterOps = ["and", "or", "xor", "slt", "sltu", "sll", "srl", "sra"];
    private static readonly string[] ImmediateOps = ["andi", "ori", "xori", "slti", "sltiu"];
    private static readonly string[] ShiftImmediateOps = ["slli", "srli", "srai"];

    private static readonly uint[] Corner =
        [0, 1, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 0x80000001, 0x12345678, 0xA5A5A5A5, 31, 32, 0xFFFFFFE1, 0xFFFFFF80];
    private static readonly int[] Immediates = [0, 1, -1, 2047, -2048, 0x555, -0x556, 31];
    private static readonly int[] Shamts = [0, 1, 4, 15, 16, 31];

    /// <summary>Emits instructions while tracking the register file with independent reference semantics.</summary>
    private sealed class Emitter(Rv32Assembler asm)
    {
        private readonly uint[] _x = new uint[32];
        public const int Acc = S0;

        public uint this[int reg] => _x[reg];

        public Emitter Li(int rd, uint value)
        {
            asm.Li(rd, value);
            if (rd != 0) _x[rd] = value;
            return this;
        }

        public Emitter R(string op, int rd, int rs1, int rs2)
        {
            asm.Op(op, rd, rs1, rs2);
            Set(rd, Eval(op, _x[rs1], _x[rs2]));
            return this;
        }

        public Emitter I(string op, int rd, int rs1, int imm)
        {
            _ = op switch
            {
                "andi" => asm.Andi(rd, rs1, imm),
                "ori" => asm.Ori(rd, rs1, imm),
                "xori" => asm.Xori(rd, rs1, imm),
                "slti" => asm.Slti(rd, rs1, imm),
                "sltiu" => asm.Sltiu(rd, rs1, imm),
                "slli" => asm.Slli(rd, rs1, imm),
                "srli" => asm.Srli(rd, rs1, imm),
                "srai" => asm.Srai(rd, rs1, imm),
                _ => throw new ArgumentException(op),
            };
            Set(rd, Eval(op.Remove(op.LastIndexOf('i'), 1), _x[rs1], (uint)imm)); // andi → and, sltiu → sltu, srai → sra
            return this;
        }

        /// <summary>Adds a register into the accumulator (the exit code), so every result shows in the claim.</summary>
        public Emitter Fold(int reg)
        {
            asm.Add(Acc, Acc, reg);
            Set(Acc, _x[Acc] + _x[reg]);
            return this;
        }

        public void ExitWithAccumulator() => asm.ExitWithReg(Acc);

        private void Set(int rd, uint v)
        {
            if (rd != 0) _x[rd] = v;
        }

        private static uint Eval(string op, uint a, uint b) => op switch
        {
            "and" => a & b,
            "or" => a | b,
            "xor" => a ^ b,
            "slt" => (int)a < (int)b ? 1u : 0u,
            "sltu" => a < b ? 1u : 0u,
            "sll" => a << (int)(b & 31),
            "srl" => a >> (int)(b & 31),
            "sra" => (uint)((int)a >> (int)(b & 31)),
            _ => throw new ArgumentException(op),
        };
    }

    private static (ProgramImage Image, uint Expected) Build(Action<Emitter> body)
    {
        uint expected = 0;
        var image = Program(asm =>
        {
            var e = new Emitter(asm);
            body(e);
            expected = e[Emitter.Acc];
            e.ExitWithAccumulator();
        });
        return (image, expected);
    }

    private static void AssertProves((ProgramImage Image, uint Expected) p, int po2 = 10)
    {
        var receipt = Prove(p.Image, po2: po2);
        AssertValid(receipt, p.Image);
        Assert.Equal(p.Expected, receipt.Claim.ExitCode);
    }

    // Registers holding the corner values (x0 stays 0, the accumulator is S0 = x8).
    private static readonly int[] ValueRegs = [9, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22];

    private static void LoadCorners(Emitter e)
    {
        for (int i = 0; i < Corner.Length; i++) e.Li(ValueRegs[i], Corner[i]);
    }

    [Fact]
    public void RegisterOpsOnCornerValuesProveAndVerify()
    {
        AssertProves(Build(e =>
        {
            LoadCorners(e);
            int[] sources = [0, .. ValueRegs];
            foreach (var op in RegisterOps)
                foreach (int r1 in sources)
                    foreach (int r2 in sources)
                        e.R(op, T2, r1, r2).Fold(T2);
        }), po2: 10);
    }

    [Fact]
    public void ImmediateOpsOnCornerValuesProveAndVerify()
    {
        AssertProves(Build(e =>
        {
            LoadCorners(e);
            int[] sources = [0, .. ValueRegs];
            foreach (int r1 in sources)
            {
                foreach (var op in ImmediateOps)
                    foreach (int imm in Immediates)
                        e.I(op, T2, r1, imm).Fold(T2);
                foreach (var op in ShiftImmediateOps)
                    foreach (int sh in Shamts)
                        e.I(op, T2, r1, sh).Fold(T2);
            }
        }), po2: 10);
    }

    /// <summary>rd = rs1, rd = rs2, rd = rs1 = rs2, x0 as destination (the result is dropped) and as both sources.</summary>
    [Fact]
    public void AliasedRegistersAndX0ProveAndVerify()
    {
        AssertProves(Build(e =>
        {
            foreach (var op in RegisterOps)
            {
                e.Li(T0, 0x80000F0F).Li(T1, 0x0000F0F3);
                e.R(op, T0, T0, T1).Fold(T0);
                e.R(op, T1, T0, T1).Fold(T1);
                e.R(op, T3, T3, T3).Fold(T3);
                e.R(op, Zero, T0, T1).Fold(Zero);
                e.R(op, T4, Zero, Zero).Fold(T4);
                e.R(op, T4, T1, Zero).Fold(T4);
            }
            foreach (var op in ImmediateOps)
            {
                e.Li(T0, 0xF00000F1);
                e.I(op, T0, T0, -3).Fold(T0);
                e.I(op, Zero, T0, 5).Fold(Zero);
                e.I(op, T4, Zero, -7).Fold(T4);
            }
            foreach (var op in ShiftImmediateOps)
            {
                e.Li(T0, 0x9000000F);
                e.I(op, T0, T0, 3).Fold(T0);
                e.I(op, Zero, T0, 31).Fold(Zero);
                e.I(op, T4, Zero, 7).Fold(T4);
            }
        }));
    }

    [Fact]
    public void SmallSegmentsSpanSeveralSegments()
    {
        var p = Build(MixedProgram);
        var receipt = Prove(p.Image, po2: 5);
        AssertValid(receipt, p.Image);
        Assert.True(receipt.Segments.Length > 3, $"expected several segments, got {receipt.Segments.Length}");
        Assert.Equal(p.Expected, receipt.Claim.ExitCode);
    }

    /// <summary>Every op of the three families a few times, with varied values, x0 source and destination.</summary>
    private static void MixedProgram(Emitter e)
    {
        e.Li(T0, 0x80000001).Li(T1, 0x7FFFFFFF).Li(T3, 0xFFFFFF85).Li(T4, 37).Li(T5, 0xC3A50F96);
        foreach (var op in RegisterOps)
        {
            e.R(op, T2, T0, T3).Fold(T2);
            e.R(op, T2, T5, T4).Fold(T2);
            e.R(op, T2, T1, T0).Fold(T2);
        }
        foreach (var op in ImmediateOps)
        {
            e.I(op, T2, T5, -123).Fold(T2);
            e.I(op, T2, T1, 1000).Fold(T2);
        }
        foreach (var op in ShiftImmediateOps)
        {
            e.I(op, T2, T0, 31).Fold(T2);
            e.I(op, T2, T5, 9).Fold(T2);
        }
        e.R("xor", Zero, T0, T1).R("and", T2, T3, T5).Fold(T2).R("sra", T2, Zero, T3).Fold(T2).I("slli", Zero, T5, 3).I("sltiu", T2, Zero, -1).Fold(T2);
    }

    public static TheoryData<string> Tables => new() { "logic", "compare", "shift" };

    /// <summary>
    /// One mutation per column of the table, at a real row (alternating rows where the cell is non-zero), plus
    /// padding-row cells: each must be rejected, so no column of the chip is under-constrained.
    /// </summary>
    [Theory]
    [MemberData(nameof(Tables))]
    public void SingleCellMutationsAreRejected(string table)
    {
        var p = Build(MixedProgram);
        const int po2 = 10;
        var traces = MutationKit.Capture(p.Image, [], po2, table);
        var trace = Assert.Single(traces).Value;
        var layout = LayoutOf(table);
        int realColumn = layout.Names.ToList().IndexOf("real");
        int[] real = [.. Enumerable.Range(0, trace.Height).Where(r => !trace.Columns[realColumn][r].IsZero)];
        int[] padding = [.. Enumerable.Range(0, trace.Height).Where(r => trace.Columns[realColumn][r].IsZero)];
        Assert.True(real.Length >= 8 && padding.Length >= 2, $"{table}: {real.Length} real rows, {padding.Length} padding rows");

        var rng = new Random(1000 + table.Length);
        var cells = new List<MutationKit.Cell>();
        for (int c = 0; c < trace.Columns.Length; c++)
        {
            var nonZero = real.Where(r => !trace.Columns[c][r].IsZero).ToArray();
            int row = c % 2 == 0 && nonZero.Length > 0 ? nonZero[rng.Next(nonZero.Length)] : real[rng.Next(real.Length)];
            cells.Add(new MutationKit.Cell(0, c, row, !trace.Columns[c][row].IsZero));
        }
        for (int k = 0; k < 2; k++)
        {
            int c = rng.Next(trace.Columns.Length), row = k == 0 ? trace.Height - 1 : padding[rng.Next(padding.Length)];
            cells.Add(new MutationKit.Cell(0, c, row, false));
        }
        MutationKit.AssertAllRejected(p.Image, [], po2, table, cells, layout.NameOf);
    }

    public static TheoryData<string, string> WrongResults => new()
    {
        { "and", "c" }, { "or", "c" }, { "xor", "c" }, { "andi", "c" }, { "ori", "c" }, { "xori", "c" },
        { "slt", "lt" }, { "sltu", "lt" }, { "slti", "lt" }, { "sltiu", "lt" },
        { "sll", "c_lo" }, { "srl", "c_lo" }, { "sra", "c_hi" }, { "slli", "c_lo" }, { "srli", "c_lo" }, { "srai", "c_hi" },
    };

    private static string TableOf(string op) => op switch
    {
        "and" or "or" or "xor" or "andi" or "ori" or "xori" => "logic",
        "slt" or "sltu" or "slti" or "sltiu" => "compare",
        _ => "shift",
    };

    /// <summary>Every op once, in this order; an op's row in its table is its index among the ops of that table.</summary>
    private static readonly string[] OneOfEach = [.. RegisterOps, .. ImmediateOps, .. ShiftImmediateOps];

    private static readonly Lazy<(ProgramImage Image, uint Expected)> OneOfEachProgram = new(() =>
    {
        var p = Build(e =>
        {
            e.Li(T0, 0xF0F0A5C3).Li(T1, 0x00000F05);
            foreach (var op in OneOfEach)
            {
                if (RegisterOps.Contains(op)) e.R(op, T2, T0, T1);
                else e.I(op, T2, T0, ShiftImmediateOps.Contains(op) ? 5 : -0x3FB);
                e.Fold(T2);
            }
        });
        AssertProves(p);
        return p;
    });

    /// <summary>A wrong result in the result column (the value written to rd) is rejected, for every op.</summary>
    [Theory]
    [MemberData(nameof(WrongResults))]
    public void WrongResultIsRejected(string op, string column)
    {
        var p = OneOfEachProgram.Value;
        string table = TableOf(op);
        int row = OneOfEach.Where(o => TableOf(o) == table).ToList().IndexOf(op);
        int col = LayoutOf(table).Names.ToList().IndexOf(column);
        Assert.True(col >= 0 && row >= 0);
        var receipt = Prove(p.Image, check: false, tamper: (seg, name, trace) =>
        {
            if (name == table) trace.SetField(col, row, trace.Columns[col][row] + Verity.Algebra.Goldilocks.One);
        });
        AssertRejected(receipt, p.Image);
    }

    /// <summary>The constraints stay within degree 3 and every pair of neighbouring interactions shares a helper column.</summary>
    [Theory]
    [InlineData("logic", 36, 19)]
    [InlineData("compare", 30, 23)]
    [InlineData("shift", 40, 25)]
    public void TableShape(string table, int mainColumns, int interactions)
    {
        var circuit = new Air.SegmentCircuit(new Programs.ProgramRom(Program(_ => { })));
        var t = circuit.Air.Tables.Single(x => x.Name == table);
        Assert.Equal(mainColumns, t.MainWidth);
        Assert.Equal(interactions, t.LocalInteractionCount);
        Assert.True(t.MaxDegree <= 3, $"{table}: degree {t.MaxDegree}");
        Assert.Equal((interactions + 1) / 2 + 1, t.AuxWidth); // helpers after pairing, plus the running sum
    }

    private static Air.ColumnLayout LayoutOf(string table) => table switch
    {
        "logic" => new LogicChip().Layout,
        "compare" => new CompareChip().Layout,
        _ => new ShiftChip().Layout,
    };
}
