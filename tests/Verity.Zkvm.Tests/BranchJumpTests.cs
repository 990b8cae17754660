using Verity.Algebra;
using Verity.Vm;
using Verity.Vm.Tests;
using Verity.Zkvm.Chips;
using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests;

/// <summary>
/// The branch (BEQ … BGEU) and jump (JAL, JALR) tables: every op with corner values proves with the right control
/// flow (outcomes and links are folded into the exit code, acc = 3·acc + x mod 2^32, so any single wrong outcome
/// changes it), and single-cell mutations of either table are rejected.
/// </summary>
public class BranchJumpTests
{
    // Registers holding the corner values (x11..x16, x18, x19).
    private static readonly int[] ValueRegs = [11, 12, 13, 14, 15, 16, 18, 19];
    private static readonly uint[] Values = [0, 1, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 0x80000001, 0x0000FFFF, 0xFFFF0000];

    private static uint Fold(uint acc, uint x) => unchecked(3 * acc + x);

    private static Rv32Assembler FoldReg(Rv32Assembler a, int reg) => a.Add(T2, S0, S0).Add(S0, T2, S0).Add(S0, S0, reg);

    private static bool Taken(string op, uint x, uint y) => op switch
    {
        "beq" => x == y,
        "bne" => x != y,
        "blt" => (int)x < (int)y,
        "bge" => (int)x >= (int)y,
        "bltu" => x < y,
        "bgeu" => x >= y,
        _ => throw new ArgumentException(op),
    };

    private static Rv32Assembler Branch(Rv32Assembler a, string op, int rs1, int rs2, string label) => op switch
    {
        "beq" => a.Beq(rs1, rs2, label),
        "bne" => a.Bne(rs1, rs2, label),
        "blt" => a.Blt(rs1, rs2, label),
        "bge" => a.Bge(rs1, rs2, label),
        "bltu" => a.Bltu(rs1, rs2, label),
        "bgeu" => a.Bgeu(rs1, rs2, label),
        _ => throw new ArgumentException(op),
    };

    /// <summary>
    /// One branch per case; S1 = taken, folded into S0. Even cases branch forward over "S1 = 0", odd cases branch
    /// backward (the target sets S1 = 1 and jumps on), so both carries of the target occur.
    /// </summary>
    private static (ProgramImage Image, uint Expected) BranchProgram(IReadOnlyList<(string Op, int Rs1, int Rs2)> cases)
    {
        uint RegValue(int r) => r == Zero ? 0 : Values[Array.IndexOf(ValueRegs, r)];
        uint expected = 0;
        var image = Program(a =>
        {
            for (int i = 0; i < ValueRegs.Length; i++) a.Li(ValueRegs[i], Values[i]);
            for (int k = 0; k < cases.Count; k++)
            {
                var (op, rs1, rs2) = cases[k];
                if (k % 2 == 0)
                {
                    a.Addi(S1, Zero, 1);
                    Branch(a, op, rs1, rs2, $"t{k}");
                    a.Addi(S1, Zero, 0).Label($"t{k}");
                }
                else
                {
                    a.Jal(Zero, $"f{k}").Label($"b{k}").Addi(S1, Zero, 1).Jal(Zero, $"j{k}");
                    a.Label($"f{k}").Addi(S1, Zero, 0);
                    Branch(a, op, rs1, rs2, $"b{k}");
                    a.Label($"j{k}");
                }
                FoldReg(a, S1);
                expected = Fold(expected, Taken(op, RegValue(rs1), RegValue(rs2)) ? 1u : 0u);
            }
            a.ExitWithReg(S0);
        });
        return (image, expected);
    }

    // Register of each corner value (x0 reads 0).
    private const int One = 12, MinusOne = 13, Min = 14, Max = 15, MinPlus1 = 16, Lo16 = 18, Hi16 = 19, Zr = 11;

    /// <summary>(rs1, rs2) pairs: equal values (also rs1 = rs2 and x0 = x0), x0 on either side, sign and limb corners.</summary>
    private static readonly (int, int)[] Pairs =
    [
        (Zero, Zero), (Zero, Zr), (Zero, One), (One, Zero), (MinusOne, Zero), (Zero, MinusOne), (Max, Max), (Min, Min),
        (Min, Max), (Max, Min), (Min, MinPlus1), (MinPlus1, Min), (MinusOne, One), (One, MinusOne), (Lo16, Hi16),
        (Hi16, Lo16), (Min, Zero), (Zero, Min), (Min, MinusOne), (MinusOne, Min), (Max, MinusOne), (Zr, One),
    ];

    private static readonly string[] BranchOps = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];

    [Fact]
    public void BranchOutcomesProveAndVerify()
    {
        var cases = BranchOps.SelectMany(op => Pairs.Select(p => (op, p.Item1, p.Item2))).ToList();
        var (image, expected) = BranchProgram(cases);
        var receipt = Prove(image);
        Assert.Single(receipt.Segments);
        AssertValid(receipt, image);
        Assert.Equal(expected, receipt.Claim.ExitCode);
    }

    /// <summary>JAL/JALR forward and backward, rd = x0, rd = rs1, an odd JALR sum, negative offsets; links folded into S0.</summary>
    private static (ProgramImage Image, uint Expected) JumpProgram()
    {
        uint expected = 0;
        var image = Program(a =>
        {
            // JAL forward with a link.
            uint p = a.Pc;
            a.Jal(Ra, "j1").Addi(S0, S0, 77).Label("j1");
            FoldReg(a, Ra);
            expected = Fold(expected, p + 4);
            // JAL to x0 (no write).
            a.Jal(Zero, "j2").Addi(S0, S0, 5).Label("j2");
            // JAL backward (negative offset: the sum wraps mod 2^32).
            a.Jal(Zero, "f3").Label("b3");
            FoldReg(a, T1).Jal(Zero, "e3").Label("f3");
            p = a.Pc;
            a.Jal(T1, "b3").Addi(S0, S0, 9).Label("e3");
            expected = Fold(expected, p + 4);
            // JALR with an odd sum P + 13 → P + 12 (bit 0 cleared), link P + 8.
            p = a.Pc;
            a.Auipc(T0, 0).Jalr(Ra, T0, 13).Addi(S0, S0, 3);
            FoldReg(a, Ra);
            expected = Fold(expected, p + 8);
            // JALR with rd = rs1 and a negative immediate: (P + 2000) − 1983 = P + 17 → P + 16, link P + 12.
            p = a.Pc;
            a.Auipc(T0, 0).Addi(T0, T0, 2000).Jalr(T0, T0, -1983).Addi(S0, S0, 11);
            FoldReg(a, T0);
            expected = Fold(expected, p + 12);
            // A call and a return through JALR x0, ra, 0, twice.
            a.Li(S1, 0).Jal(Ra, "fn").Jal(Ra, "fn");
            FoldReg(a, S1);
            expected = Fold(expected, 2);
            a.ExitWithReg(S0);
            a.Label("fn").Addi(S1, S1, 1).Jalr(Zero, Ra, 0);
        });
        return (image, expected);
    }

    [Fact]
    public void JumpsProveAndVerify()
    {
        var (image, expected) = JumpProgram();
        var receipt = Prove(image);
        AssertValid(receipt, image);
        Assert.Equal(expected, receipt.Claim.ExitCode);
    }

    /// <summary>A loop of calls over several small segments: sum 1..12 through a function and a backward BNE.</summary>
    private static readonly ProgramImage LoopImage = Program(a => a
        .Li(T0, 12).Li(S0, 0)
        .Label("loop").Jal(Ra, "f").Addi(T0, T0, -1).Bne(T0, Zero, "loop")
        .Bge(T0, S0, "bad").Bltu(S0, T0, "bad").Blt(Zero, S0, "ok").Label("bad").Exit(1)
        .Label("ok").ExitWithReg(S0)
        .Label("f").Add(S0, S0, T0).Jalr(Zero, Ra, 0));

    [Fact]
    public void LoopOverManySegmentsProvesAndVerifies()
    {
        var receipt = Prove(LoopImage, po2: 5);
        Assert.True(receipt.Segments.Length >= 3, $"expected several segments, got {receipt.Segments.Length}");
        AssertValid(receipt, LoopImage);
        Assert.Equal(78u, receipt.Claim.ExitCode);
    }

    // ---- soundness ----

    /// <summary>Every branch op taken and not taken (signed and unsigned corners, x0, rs1 = rs2) and every kind of jump.</summary>
    private static readonly ProgramImage MutationImage = Program(a =>
    {
        a.Li(T0, 0x80000000).Li(T1, 5).Li(S0, 0);
        a.Beq(T0, T0, "a1").Addi(S0, S0, 1).Label("a1").Beq(T0, T1, "a2").Addi(S0, S0, 2).Label("a2");
        a.Bne(T0, Zero, "a3").Addi(S0, S0, 4).Label("a3").Bne(T1, T1, "a4").Addi(S0, S0, 8).Label("a4");
        a.Blt(T0, T1, "a5").Addi(S0, S0, 16).Label("a5").Blt(T1, T0, "a6").Addi(S0, S0, 32).Label("a6");
        a.Bge(Zero, T0, "a7").Addi(S0, S0, 64).Label("a7").Bge(T0, Zero, "a8").Addi(S0, S0, 128).Label("a8");
        a.Bltu(T1, T0, "a9").Addi(S0, S0, 256).Label("a9").Bltu(T0, T1, "a10").Addi(S0, S0, 512).Label("a10");
        a.Bgeu(T0, T1, "a11").Addi(S0, S0, 1024).Label("a11").Bgeu(Zero, T1, "a12").Addi(S0, S0, 2048).Label("a12");
        a.Jal(Zero, "fwd").Label("back").Bne(T1, Zero, "out").Label("fwd").Bne(T1, Zero, "back").Label("out");
        a.Jal(Ra, "fn").Auipc(T2, 0).Jalr(T2, T2, 13).Addi(S0, S0, 4096).Add(S0, S0, T2);
        a.ExitWithReg(S0);
        a.Label("fn").Addi(S0, S0, 3).Jalr(Zero, Ra, 0);
    });

    private static readonly IReadOnlyList<string> BranchColumns = new BranchChip().Layout.Names;
    private static readonly IReadOnlyList<string> JumpColumns = new JumpChip().Layout.Names;

    /// <summary>
    /// One cell per column (alternating a real row where the honest value is non-zero and a random real row), plus
    /// <paramref name="extra"/> cells on padding rows and random real rows; deterministic.
    /// </summary>
    private static List<MutationKit.Cell> Sample(Dictionary<int, Witness.TraceColumns> traces, int extra, int seed)
    {
        var rng = new Random(seed);
        var cells = new List<MutationKit.Cell>();
        int seg = traces.Keys.Min();
        var t = traces[seg];
        var real = Enumerable.Range(0, t.Height).Where(r => !t.Columns[0][r].IsZero).ToArray();
        var padding = Enumerable.Range(0, t.Height).Where(r => t.Columns[0][r].IsZero).ToArray();
        Assert.NotEmpty(real);
        Assert.NotEmpty(padding);
        for (int c = 0; c < t.Columns.Length; c++)
        {
            var nonZero = real.Where(r => !t.Columns[c][r].IsZero).ToArray();
            int row = c % 2 == 0 && nonZero.Length > 0 ? nonZero[rng.Next(nonZero.Length)] : real[rng.Next(real.Length)];
            cells.Add(new MutationKit.Cell(seg, c, row, !t.Columns[c][row].IsZero));
        }
        for (int k = 0; k < extra; k++)
        {
            int c = rng.Next(t.Columns.Length);
            int row = k % 2 == 0 ? padding[rng.Next(padding.Length)] : real[rng.Next(real.Length)];
            cells.Add(new MutationKit.Cell(seg, c, row, !t.Columns[c][row].IsZero));
        }
        return cells;
    }

    [Theory]
    [InlineData("branch", 4)]
    [InlineData("jump", 4)]
    public void SingleCellMutationsAreRejected(string table, int extra)
    {
        var traces = MutationKit.Capture(MutationImage, [], 10, table);
        Assert.Single(traces);
        var names = table == "branch" ? BranchColumns : JumpColumns;
        var cells = Sample(traces, extra, seed: 4242 + table.Length);
        MutationKit.AssertAllRejected(MutationImage, [], 10, table, cells, c => names[c]);
    }

    private static int Column(IReadOnlyList<string> names, string name) => names.ToList().IndexOf(name) is var i and >= 0 ? i : throw new ArgumentException(name);

    /// <summary>The first real row of <paramref name="op"/> in an honest trace (that writes rd, if <paramref name="writes"/>).</summary>
    private static int RowOf(Witness.TraceColumns trace, IReadOnlyList<string> names, string op, bool writes = false)
    {
        int flag = Column(names, "is_" + op), w = Column(names, "w");
        for (int r = 0; r < trace.Height; r++)
            if (trace.Columns[flag][r] == Goldilocks.One && (!writes || trace.Columns[w][r] == Goldilocks.One)) return r;
        throw new InvalidOperationException($"no {op} row");
    }

    /// <summary>
    /// A coherent wrong outcome: the comparison bit (eq or lt) flipped and next_pc and carry moved to the other
    /// path, so only the comparison constraints (and the rest of the run) can object.
    /// </summary>
    [Theory]
    [InlineData("beq")]
    [InlineData("bne")]
    [InlineData("blt")]
    [InlineData("bge")]
    [InlineData("bltu")]
    [InlineData("bgeu")]
    public void WrongBranchOutcomeIsRejected(string op)
    {
        var n = BranchColumns;
        int pcCol = Column(n, "pc"), immCol = Column(n, "imm"), next = Column(n, "next_pc"), carry = Column(n, "carry");
        int bit = Column(n, op is "beq" or "bne" ? "eq" : "lt"), inv = Column(n, "inv");
        var receipt = Prove(MutationImage, check: false, tamper: (seg, table, trace) =>
        {
            if (table != "branch") return;
            int row = RowOf(trace, n, op);
            ulong pc = trace.Columns[pcCol][row].Value, imm = trace.Columns[immCol][row].Value;
            bool wasTaken = trace.Columns[next][row].Value != pc + 4;
            trace.SetField(bit, row, Goldilocks.One - trace.Columns[bit][row]);
            if (bit == Column(n, "eq")) trace.SetField(inv, row, Goldilocks.Zero);
            ulong target = pc + imm;
            trace.Set(next, row, wasTaken ? pc + 4 : target & 0xFFFF_FFFF);
            trace.SetBool(carry, row, !wasTaken && target >> 32 != 0);
        });
        AssertRejected(receipt, MutationImage);
    }

    [Theory]
    [InlineData("jal", "link_lo")]
    [InlineData("jal", "next_pc")]
    [InlineData("jalr", "link_lo")]
    [InlineData("jalr", "next_pc")]
    public void WrongJumpResultIsRejected(string op, string column)
    {
        var n = JumpColumns;
        int col = Column(n, column);
        var receipt = Prove(MutationImage, check: false, tamper: (seg, table, trace) =>
        {
            if (table != "jump") return;
            int row = RowOf(trace, n, op, writes: true);
            trace.SetField(col, row, trace.Columns[col][row] + Goldilocks.FromUInt64(4));
        });
        AssertRejected(receipt, MutationImage);
    }
}
