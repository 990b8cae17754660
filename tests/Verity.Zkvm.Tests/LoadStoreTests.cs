using Verity.Algebra;
using Verity.Vm.Tests;
using Verity.Zkvm.Chips;
using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests;

/// <summary>LB, LH, LW, LBU, LHU, SB, SH and SW prove with the values the executor computes, and forged results are rejected.</summary>
public class LoadStoreTests
{
    private const uint Data = ElfBuilder.DataBase;

    // Words: +0 = 0x01FF7F80, +4 = 0x80001234, +8 = 0xDEADBEEF.
    private static readonly byte[] Bytes = [0x80, 0x7F, 0xFF, 0x01, 0x34, 0x12, 0x00, 0x80, 0xEF, 0xBE, 0xAD, 0xDE];

    private static Rv32Assembler Load(Rv32Assembler a, string op, int rd, int rs1, int imm) => op switch
    {
        "lb" => a.Lb(rd, rs1, imm),
        "lh" => a.Lh(rd, rs1, imm),
        "lw" => a.Lw(rd, rs1, imm),
        "lbu" => a.Lbu(rd, rs1, imm),
        "lhu" => a.Lhu(rd, rs1, imm),
        _ => throw new ArgumentException(op),
    };

    private static Rv32Assembler Store(Rv32Assembler a, string op, int rs2, int rs1, int imm) => op switch
    {
        "sb" => a.Sb(rs2, rs1, imm),
        "sh" => a.Sh(rs2, rs1, imm),
        "sw" => a.Sw(rs2, rs1, imm),
        _ => throw new ArgumentException(op),
    };

    private static void AssertExit(Verity.Vm.ProgramImage image, uint expected, int po2 = 10)
    {
        var receipt = Prove(image, po2: po2);
        AssertValid(receipt, image);
        Assert.Equal(expected, receipt.Claim.ExitCode);
    }

    [Theory]
    [InlineData("lb", 0, 0, 0xFFFFFF80u)]
    [InlineData("lb", 0, 1, 0x7Fu)]
    [InlineData("lb", 4, -2, 0xFFFFFFFFu)]   // negative offset: rs1 + imm wraps (carry = 1)
    [InlineData("lb", 0, 3, 0x01u)]
    [InlineData("lbu", 0, 0, 0x80u)]
    [InlineData("lbu", 0, 2, 0xFFu)]
    [InlineData("lbu", 0, 6, 0x00u)]
    [InlineData("lh", 0, 0, 0x7F80u)]
    [InlineData("lh", 0, 2, 0x01FFu)]
    [InlineData("lh", 0, 6, 0xFFFF8000u)]
    [InlineData("lhu", 0, 6, 0x8000u)]
    [InlineData("lhu", 12, -4, 0xBEEFu)]
    [InlineData("lw", 0, 0, 0x01FF7F80u)]
    [InlineData("lw", 0, 4, 0x80001234u)]
    [InlineData("lw", 12, -4, 0xDEADBEEFu)]
    public void LoadsProveTheExecutorsValue(string op, int baseOffset, int imm, uint expected)
    {
        var image = Program(a => Load(a.Li(T0, Data + (uint)baseOffset), op, T1, T0, imm).ExitWithReg(T1), data: Bytes);
        AssertExit(image, expected);
    }

    [Fact]
    public void LoadCornerRegisters()
    {
        // rd = rs1, a load into x0 (no write), x0 as the base (address 0xFFFFFFFC, the top word), and loads of
        // read-only code words (each AUIPC reads its own encoding).
        var image = Program(a =>
        {
            a.Li(T0, Data).Lw(T0, T0, 8);                       // t0 = 0xDEADBEEF
            a.Li(T1, Data).Lw(Zero, T1, 4);                     // discarded
            a.Li(T2, 0x55).Sw(T2, Zero, -4).Lw(T3, Zero, -4);  // t3 = 0x55
            a.Auipc(T4, 0).Lw(T4, T4, 0);                       // t4 = auipc t4, 0
            a.Auipc(T5, 0).Lh(T5, T5, 0);                       // t5 = low half of auipc t5, 0
            a.Add(A0, T0, T3).Add(A0, A0, T4).Add(A0, A0, T5);
            a.Li(A7, 93).Ecall();
        }, data: Bytes);
        AssertExit(image, unchecked(0xDEADBEEFu + 0x55u + U(0x17, T4, 0) + (U(0x17, T5, 0) & 0xFFFF)));
    }

    [Theory]
    [InlineData("sb", 8, 0x12345680u, 0xDEADBE80u)]
    [InlineData("sb", 9, 0x12345680u, 0xDEAD80EFu)]
    [InlineData("sb", 10, 0xFFFFFFFFu, 0xDEFFBEEFu)]
    [InlineData("sb", 11, 0x00000000u, 0x00ADBEEFu)]
    [InlineData("sh", 8, 0xFFFF8001u, 0xDEAD8001u)]
    [InlineData("sh", 10, 0x7FFFFFFFu, 0xFFFFBEEFu)]
    [InlineData("sw", 8, 0x80000000u, 0x80000000u)]
    [InlineData("sw", 8, 0xFFFFFFFFu, 0xFFFFFFFFu)]
    [InlineData("sw", 8, 0x7FFFFFFFu, 0x7FFFFFFFu)]
    public void StoresMergeIntoTheWord(string op, int offset, uint value, uint expectedWord)
    {
        // Store through a base above the target with a negative offset, then read the whole word back.
        var image = Program(a => Store(a.Li(T0, Data + 0x40).Li(T1, value), op, T1, T0, offset - 0x40)
            .Li(T2, Data).Lw(T3, T2, 8).ExitWithReg(T3), data: Bytes);
        AssertExit(image, expectedWord);
    }

    [Fact]
    public void StoreCornerRegisters()
    {
        // sw x0 clears a word, sb x0 a byte; rs2 = rs1 stores the address itself; an sh at the top of memory.
        var image = Program(a =>
        {
            a.Li(T0, Data).Sw(Zero, T0, 0).Lw(T1, T0, 0);        // t1 = 0
            a.Sb(Zero, T0, 9).Lw(T2, T0, 8);                     // t2 = 0xDEAD00EF
            a.Sw(T0, T0, 4).Lw(T3, T0, 4);                       // t3 = Data
            a.Li(T4, 0xCAFEF00D).Sh(T4, Zero, -2).Lw(T5, Zero, -4); // t5 = 0xF00D0000
            a.Add(A0, T1, T2).Add(A0, A0, T3).Add(A0, A0, T5);
            a.Li(A7, 93).Ecall();
        }, data: Bytes);
        AssertExit(image, unchecked(0u + 0xDEAD00EFu + Data + 0xF00D0000u));
    }

    /// <summary>Every operation of the family, repeated, with results folded into the exit code.</summary>
    internal static Verity.Vm.ProgramImage Mixed(int rounds) => Program(a =>
    {
        a.Li(S0, Data).Li(A0, 0);
        for (int i = 0; i < rounds; i++)
        {
            a.Lb(T0, S0, 0).Lh(T1, S0, 6).Lw(T2, S0, 8).Lbu(T3, S0, 7).Lhu(T4, S0, 2);
            a.Sb(T0, S0, 17 + (i & 3) - 1).Sh(T1, S0, 16 + 2 * (i & 1)).Sw(T2, S0, 20);
            a.Lw(T5, S0, 16).Lw(T6, S0, 20);
            a.Add(A0, A0, T0).Add(A0, A0, T1).Add(A0, A0, T2).Add(A0, A0, T3).Add(A0, A0, T4).Add(A0, A0, T5).Add(A0, A0, T6);
            a.Addi(S0, S0, 4);
        }
        a.Li(A7, 93).Ecall();
    }, data: [.. Bytes, .. Bytes, .. Bytes, .. Bytes, .. Bytes, .. Bytes, .. Bytes]);

    private static uint MixedExpected(int rounds)
    {
        var mem = new byte[0x200];
        byte[] init = [.. Bytes, .. Bytes, .. Bytes, .. Bytes, .. Bytes, .. Bytes, .. Bytes];
        init.CopyTo(mem, 0);
        uint W(int at) => BitConverter.ToUInt32(mem, at);
        uint acc = 0;
        int s = 0;
        for (int i = 0; i < rounds; i++, s += 4)
        {
            uint t0 = (uint)(sbyte)mem[s], t1 = (uint)(short)BitConverter.ToUInt16(mem, s + 6), t2 = W(s + 8), t3 = mem[s + 7], t4 = BitConverter.ToUInt16(mem, s + 2);
            mem[s + 16 + (i & 3)] = (byte)t0;
            BitConverter.GetBytes((ushort)t1).CopyTo(mem, s + 16 + 2 * (i & 1));
            BitConverter.GetBytes(t2).CopyTo(mem, s + 20);
            acc = unchecked(acc + t0 + t1 + t2 + t3 + t4 + W(s + 16) + W(s + 20));
        }
        return acc;
    }

    [Fact]
    public void MixedProgramProves()
    {
        AssertExit(Mixed(3), MixedExpected(3));
    }

    [Fact]
    public void MixedProgramSpansSegments()
    {
        var image = Mixed(6);
        var receipt = Prove(image, po2: 5);
        Assert.True(receipt.Segments.Length > 3);
        AssertValid(receipt, image);
        Assert.Equal(MixedExpected(6), receipt.Claim.ExitCode);
    }

    private static int Column(string name) => new LoadStoreChip().Layout.Names.ToList().IndexOf(name) is var c and >= 0 ? c : throw new ArgumentException(name);

    [Theory]
    [InlineData("lb", "result")]
    [InlineData("lh", "result")]
    [InlineData("lw", "result")]
    [InlineData("lbu", "result")]
    [InlineData("lhu", "result")]
    [InlineData("sb", "after")]
    [InlineData("sh", "after")]
    [InlineData("sw", "after")]
    public void WrongResultIsRejected(string op, string column)
    {
        var image = Mixed(1);
        int flag = Column($"is_{op}"), target = Column(column);
        bool tampered = false;
        var receipt = Prove(image, check: false, tamper: (seg, table, trace) =>
        {
            if (table != "loadstore") return;
            for (int r = 0; r < trace.Height; r++)
            {
                if (trace.Columns[flag][r].IsZero) continue;
                trace.SetField(target, r, trace.Columns[target][r] + Goldilocks.One);
                tampered = true;
                return;
            }
        });
        Assert.True(tampered);
        AssertRejected(receipt, image);
    }
}

/// <summary>Single-cell mutations of the load/store table are rejected: every cell is determined by the execution.</summary>
public class LoadStoreMutationTests
{
    [Fact]
    public void SingleCellMutationsAreRejected()
    {
        var image = LoadStoreTests.Mixed(2);   // 20 rows: height 32 with 12 padding rows
        const int po2 = 10;
        var traces = MutationKit.Capture(image, [], po2, "loadstore");
        Assert.NotEmpty(traces);
        var cells = MutationKit.Sample(traces, extra: 10, seed: 4242);
        var names = new LoadStoreChip().Layout;
        var t = traces.Values.First();
        int realCol = names.Names.ToList().IndexOf("real");
        Assert.Contains(Enumerable.Range(0, t.Height), r => t.Columns[realCol][r].IsZero);   // there is padding
        MutationKit.AssertAllRejected(image, [], po2, "loadstore", cells, names.NameOf);
    }
}
