using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Vm.Tests.VmTestKit;

namespace Verity.Vm.Tests;

public class InstructionTests
{
    private const uint D = ElfBuilder.DataBase;

    [Fact]
    public void LuiAndAuipc()
    {
        uint[] x = Regs(a => a.Lui(T0, 0xABCDE000).Auipc(T1, 0x12345000).Auipc(T2, 0));
        Assert.Equal(0xABCDE000u, x[T0]);
        Assert.Equal(0x10004u + 0x12345000u, x[T1]);
        Assert.Equal(0x10008u, x[T2]);
    }

    [Fact]
    public void X0StaysZero()
    {
        uint[] x = Regs(a => a.Addi(Zero, Zero, 5).Lui(Zero, 0x1000).Op("add", Zero, Zero, Zero).Addi(T0, Zero, 0).Li(T1, D).Lw(Zero, T1, 0).Jal(Zero, 4));
        Assert.Equal(0u, x[0]);
        Assert.Equal(0u, x[T0]);
    }

    [Theory]
    [InlineData(5, -3, 2u)]
    [InlineData(0, -1, 0xFFFFFFFFu)]
    [InlineData(0x7FFFFFFF, 1, 0x80000000u)]
    [InlineData(0, 2047, 2047u)]
    [InlineData(0, -2048, 0xFFFFF800u)]
    public void Addi(int start, int imm, uint expected) =>
        Assert.Equal(expected, Regs(a => a.Li(T0, start).Addi(T1, T0, imm))[T1]);

    [Fact]
    public void ImmediateLogicSignExtends()
    {
        uint[] x = Regs(a => a.Li(T0, 0x0000FF00)
            .Xori(T1, T0, -1)      // not
            .Ori(T2, T0, -2048)    // 0xFFFFF800 | 0xFF00
            .Andi(S0, T0, -256)    // 0xFFFFFF00 & 0xFF00
            .Andi(S1, T0, 0x7FF));
        Assert.Equal(0xFFFF00FFu, x[T1]);
        Assert.Equal(0xFFFFFF00u, x[T2]);
        Assert.Equal(0x0000FF00u, x[S0]);
        Assert.Equal(0x00000700u, x[S1]);
    }

    [Fact]
    public void SltiAndSltiuSignedness()
    {
        uint[] x = Regs(a => a.Li(T0, -1)
            .Slti(T1, T0, 0)     // -1 < 0 → 1
            .Sltiu(T2, T0, 0)    // 0xFFFFFFFF < 0 → 0
            .Sltiu(S0, Zero, -1) // 0 < 0xFFFFFFFF → 1 (imm sign-extended, then unsigned)
            .Slti(S1, Zero, -1)  // 0 < -1 → 0
            .Sltiu(T3, Zero, 1)); // seqz
        Assert.Equal(new uint[] { 1, 0, 1, 0, 1 }, new[] { x[T1], x[T2], x[S0], x[S1], x[T3] });
    }

    [Fact]
    public void ImmediateShifts()
    {
        uint[] x = Regs(a => a.Li(T0, 0x80000010)
            .Slli(T1, T0, 4).Srli(T2, T0, 4).Srai(S0, T0, 4).Srai(S1, T0, 31).Srli(T3, T0, 31).Slli(T4, T0, 0));
        Assert.Equal(0x00000100u, x[T1]);
        Assert.Equal(0x08000001u, x[T2]);
        Assert.Equal(0xF8000001u, x[S0]);
        Assert.Equal(0xFFFFFFFFu, x[S1]);
        Assert.Equal(1u, x[T3]);
        Assert.Equal(0x80000010u, x[T4]);
    }

    [Theory]
    [InlineData("add", 0xFFFFFFFFu, 2u, 1u)]
    [InlineData("sub", 1u, 2u, 0xFFFFFFFFu)]
    [InlineData("sub", 0x80000000u, 1u, 0x7FFFFFFFu)]
    [InlineData("xor", 0xF0F0F0F0u, 0xFF00FF00u, 0x0FF00FF0u)]
    [InlineData("or", 0xF0F0F0F0u, 0x0F000000u, 0xFFF0F0F0u)]
    [InlineData("and", 0xF0F0F0F0u, 0xFF00FF00u, 0xF000F000u)]
    [InlineData("slt", 0xFFFFFFFFu, 1u, 1u)]
    [InlineData("slt", 1u, 0xFFFFFFFFu, 0u)]
    [InlineData("slt", 3u, 3u, 0u)]
    [InlineData("sltu", 0xFFFFFFFFu, 1u, 0u)]
    [InlineData("sltu", 1u, 0xFFFFFFFFu, 1u)]
    [InlineData("sll", 1u, 31u, 0x80000000u)]
    [InlineData("sll", 1u, 32u, 1u)]          // shift amount masked to 5 bits
    [InlineData("sll", 3u, 0xFFFFFFE1u, 6u)]  // only the low 5 bits (1) count
    [InlineData("srl", 0x80000000u, 31u, 1u)]
    [InlineData("srl", 0x80000000u, 33u, 0x40000000u)]
    [InlineData("sra", 0x80000000u, 31u, 0xFFFFFFFFu)]
    [InlineData("sra", 0x80000000u, 36u, 0xF8000000u)]
    [InlineData("sra", 0x40000000u, 30u, 1u)]
    public void RegisterOps(string op, uint a, uint b, uint expected) => Assert.Equal(expected, RR(op, a, b));

    [Theory]
    [InlineData("mul", 7u, 6u, 42u)]
    [InlineData("mul", 0xFFFFFFFFu, 0xFFFFFFFFu, 1u)]
    [InlineData("mul", 0x10000u, 0x10000u, 0u)]
    [InlineData("mulh", 0xFFFFFFFFu, 0xFFFFFFFFu, 0u)]          // (-1)(-1) = 1
    [InlineData("mulh", 0xFFFFFFFFu, 1u, 0xFFFFFFFFu)]          // -1 → high word all ones
    [InlineData("mulh", 0x80000000u, 0x80000000u, 0x40000000u)] // 2^62
    [InlineData("mulh", 0x7FFFFFFFu, 0x80000000u, 0xC0000000u)]
    [InlineData("mulhu", 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFEu)]
    [InlineData("mulhu", 0x80000000u, 2u, 1u)]
    [InlineData("mulhsu", 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu)] // -1 × (2^32−1) = −2^32 + 1
    [InlineData("mulhsu", 0x80000000u, 0xFFFFFFFFu, 0x80000000u)] // −2^31 × (2^32−1)
    [InlineData("mulhsu", 2u, 0x80000000u, 1u)]
    [InlineData("div", 20u, 6u, 3u)]
    [InlineData("div", 0xFFFFFFECu, 6u, 0xFFFFFFFDu)]  // −20/6 = −3 (toward zero)
    [InlineData("div", 20u, 0u, 0xFFFFFFFFu)]          // by zero → −1
    [InlineData("div", 0x80000000u, 0xFFFFFFFFu, 0x80000000u)] // overflow → INT_MIN
    [InlineData("divu", 20u, 6u, 3u)]
    [InlineData("divu", 0xFFFFFFECu, 6u, 0x2AAAAAA7u)]
    [InlineData("divu", 20u, 0u, 0xFFFFFFFFu)]         // by zero → 2^32−1
    [InlineData("rem", 20u, 6u, 2u)]
    [InlineData("rem", 0xFFFFFFECu, 6u, 0xFFFFFFFEu)]  // −20 % 6 = −2 (sign of dividend)
    [InlineData("rem", 20u, 0xFFFFFFFAu, 2u)]
    [InlineData("rem", 0xFFFFFFECu, 0u, 0xFFFFFFECu)]  // by zero → dividend
    [InlineData("rem", 0x80000000u, 0xFFFFFFFFu, 0u)]  // overflow → 0
    [InlineData("remu", 20u, 6u, 2u)]
    [InlineData("remu", 0xFFFFFFECu, 0u, 0xFFFFFFECu)] // by zero → dividend
    [InlineData("remu", 0xFFFFFFECu, 6u, 0xFFFFFFECu % 6u)]
    public void MExtension(string op, uint a, uint b, uint expected) => Assert.Equal(expected, RR(op, a, b));

    [Fact]
    public void MulhMatchesWideArithmeticOnRandomValues()
    {
        var rng = new Random(7);
        for (int i = 0; i < 20; i++)
        {
            uint a = (uint)rng.NextInt64(0, 1L << 32), b = (uint)rng.NextInt64(0, 1L << 32);
            Assert.Equal((uint)((Int128)(int)a * (int)b >> 32), RR("mulh", a, b));
            Assert.Equal((uint)((Int128)(int)a * (Int128)b >> 32), RR("mulhsu", a, b));
            Assert.Equal((uint)((UInt128)a * b >> 32), RR("mulhu", a, b));
        }
    }

    [Fact]
    public void LoadsSignAndZeroExtend()
    {
        byte[] data = [0x80, 0xFF, 0x7F, 0x81, 0x34, 0x12, 0x00, 0x80];
        var asm = new Rv32Assembler();
        asm.Li(S0, D).Lb(T0, S0, 0).Lbu(T1, S0, 0).Lh(T2, S0, 0).Lhu(T3, S0, 0).Lw(T4, S0, 0)
            .Lb(T5, S0, 2).Lh(T6, S0, 6).Lh(S1, S0, 4).Addi(A1, S0, 8).Lw(A2, A1, -4).Exit(0);
        uint[] x = Executor.Run(ElfBuilder.Program(asm, data), []).Segments[^1].EndRegisters;
        Assert.Equal(0xFFFFFF80u, x[T0]);
        Assert.Equal(0x80u, x[T1]);
        Assert.Equal(0xFFFFFF80u, x[T2]);
        Assert.Equal(0xFF80u, x[T3]);
        Assert.Equal(0x817FFF80u, x[T4]);
        Assert.Equal(0x7Fu, x[T5]);
        Assert.Equal(0xFFFF8000u, x[T6]);
        Assert.Equal(0x1234u, x[S1]);
        Assert.Equal(0x80001234u, x[A2]);   // negative offset
    }

    [Fact]
    public void StoresWriteOnlyTheirBytes()
    {
        uint[] x = Regs(a => a.Li(S0, D + 0x100).Li(T0, 0x11223344).Sw(T0, S0, 0)
            .Li(T1, 0xAABBCCDD).Sb(T1, S0, 1).Sh(T1, S0, 2).Lw(T2, S0, 0)
            .Sw(T0, S0, -4).Lw(T3, S0, -4)
            .Li(S1, 0x7FFF0000).Sw(T0, S1, 0).Lw(T4, S1, 0)); // any address outside page 0 is usable memory
        Assert.Equal(0xCCDDDD44u, x[T2]);
        Assert.Equal(0x11223344u, x[T3]);
        Assert.Equal(0x11223344u, x[T4]);
    }

    [Fact]
    public void MemoryIsZeroInitialized() =>
        Assert.Equal(0u, Regs(a => a.Li(S0, 0x40000000).Lw(T0, S0, 0))[T0]);

    [Fact]
    public void JalAndJalr()
    {
        uint[] x = Regs(a => a
            .Jal(Ra, "f")          // 0x10000
            .Addi(T1, Zero, 1)     // 0x10004: after return
            .Jal(Zero, "end")      // 0x10008
            .Label("f")
            .Addi(T0, Zero, 7)     // 0x1000c
            .Jalr(Zero, Ra, 0)
            .Label("end")
            .Jal(T2, 8)            // forward by a literal offset; links
            .Addi(T3, Zero, 9)     // skipped
            .Addi(T4, Zero, 3));
        Assert.Equal(0x10004u, x[Ra]);
        Assert.Equal(7u, x[T0]);
        Assert.Equal(1u, x[T1]);
        Assert.Equal(0u, x[T3]);
        Assert.Equal(3u, x[T4]);
        Assert.Equal(0x10018u, x[T2]);
    }

    [Fact]
    public void JalrClearsBitZeroAndLinksBeforeJumping()
    {
        var asm = new Rv32Assembler();
        asm.Auipc(S0, 0)                 // 0x10000: S0 = 0x10000
           .Addi(S0, S0, 4 * 5 + 1)      // target 0x10014 | 1
           .Jalr(S0, S0, 0)              // 0x10008: rd == rs1: target uses the old value
           .Addi(T0, Zero, 1)            // skipped
           .Addi(T0, Zero, 2)            // skipped
           .Addi(T1, Zero, 3)            // 0x10014
           .Exit(0);
        uint[] x = Executor.Run(ElfBuilder.Program(asm), []).Segments[^1].EndRegisters;
        Assert.Equal(0u, x[T0]);
        Assert.Equal(3u, x[T1]);
        Assert.Equal(0x1000Cu, x[S0]);
    }

    [Theory]
    [InlineData("beq", 5u, 5u, true)]
    [InlineData("beq", 5u, 6u, false)]
    [InlineData("bne", 5u, 6u, true)]
    [InlineData("bne", 5u, 5u, false)]
    [InlineData("blt", 0xFFFFFFFFu, 0u, true)]
    [InlineData("blt", 0u, 0xFFFFFFFFu, false)]
    [InlineData("blt", 4u, 4u, false)]
    [InlineData("bge", 4u, 4u, true)]
    [InlineData("bge", 0xFFFFFFFFu, 0u, false)]
    [InlineData("bltu", 0u, 0xFFFFFFFFu, true)]
    [InlineData("bltu", 0xFFFFFFFFu, 0u, false)]
    [InlineData("bgeu", 0xFFFFFFFFu, 0u, true)]
    [InlineData("bgeu", 0u, 1u, false)]
    [InlineData("bgeu", 1u, 1u, true)]
    public void BranchesForward(string op, uint a, uint b, bool taken)
    {
        uint[] x = Regs(s =>
        {
            s.Li(T0, a).Li(T1, b);
            switch (op)
            {
                case "beq": s.Beq(T0, T1, "t"); break;
                case "bne": s.Bne(T0, T1, "t"); break;
                case "blt": s.Blt(T0, T1, "t"); break;
                case "bge": s.Bge(T0, T1, "t"); break;
                case "bltu": s.Bltu(T0, T1, "t"); break;
                default: s.Bgeu(T0, T1, "t"); break;
            }
            s.Addi(T2, Zero, 1).Label("t").Addi(T3, Zero, 1);
        });
        Assert.Equal(taken ? 0u : 1u, x[T2]);
        Assert.Equal(1u, x[T3]);
    }

    [Fact]
    public void BackwardBranchLoops()
    {
        uint[] x = Regs(a => a.Addi(T0, Zero, 10).Addi(T1, Zero, 0)
            .Label("loop").Add(T1, T1, T0).Addi(T0, T0, -1).Bne(T0, Zero, "loop"));
        Assert.Equal(55u, x[T1]);
    }

    [Fact]
    public void FenceIsANoOp()
    {
        uint[] x = Regs(a => a.Addi(T0, Zero, 1).Fence().Addi(T0, T0, 1));
        Assert.Equal(2u, x[T0]);
    }

    [Fact]
    public void CyclesCountInstructions()
    {
        var r = Run(a => a.Addi(T0, Zero, 1).Addi(T0, Zero, 1).Exit(3));
        Assert.Equal(3, r.ExitCode);
        Assert.Equal(2 + 4 + 1, r.Cycles); // two addi, two li (2 each), ecall
    }
}
