using System.Text;
using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Vm.Tests.VmTestKit;

namespace Verity.Vm.Tests;

public class SyscallTests
{
    private const uint D = ElfBuilder.DataBase;

    /// <summary>Reads the input in pieces of <paramref name="chunk"/> bytes until read returns 0, echoes everything to the journal, exits with the total.</summary>
    private static Rv32Assembler Echo(int chunk)
    {
        var a = new Rv32Assembler();
        a.Li(S0, D + 1).Li(S1, 0)                          // odd buffer address: reads need not be aligned
         .Label("loop")
         .Li(A0, 0).Add(A1, S0, S1).Li(A2, chunk).Li(A7, 63).Ecall()
         .Beq(A0, Zero, "done")
         .Add(S1, S1, A0).Jal(Zero, "loop")
         .Label("done")
         .Li(A0, 1).Addi(A1, S0, 0).Addi(A2, S1, 0).Li(A7, 64).Ecall()
         .ExitWithReg(S1);
        return a;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public void ReadInPiecesUntilZeroThenWriteJournal(int chunk)
    {
        byte[] input = Encoding.ASCII.GetBytes("hello, verity! 0123456789");
        ExecutionResult r = Executor.Run(ElfBuilder.Program(Echo(chunk)), input);
        Assert.Equal(input.Length, r.ExitCode);
        Assert.Equal(input, r.Journal);
        Assert.Equal(input.Length, r.InputBytesRead);
        Assert.Empty(r.Log);
    }

    [Fact]
    public void EmptyInputReadsZero()
    {
        ExecutionResult r = Executor.Run(ElfBuilder.Program(Echo(16)), []);
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(r.Journal);
    }

    [Fact]
    public void WriteToJournalAndLogAndReturnLength()
    {
        byte[] data = Encoding.ASCII.GetBytes("journal!log");
        var asm = new Rv32Assembler();
        asm.Syscall(64, 1, D, 8).Addi(S0, A0, 0)
           .Syscall(64, 2, D + 8, 3)
           .Syscall(64, 1, D, 0)
           .ExitWithReg(S0);
        ExecutionResult r = Executor.Run(ElfBuilder.Program(asm, data), []);
        Assert.Equal(8, r.ExitCode);
        Assert.Equal("journal!", Encoding.ASCII.GetString(r.Journal));
        Assert.Equal("log", Encoding.ASCII.GetString(r.Log));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(255)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void ExitCodesAreReturned(int code) => Assert.Equal(code, Run(a => a.Exit(code)).ExitCode);

    [Fact]
    public void UnknownSyscallFails()
    {
        var e = Fails(a => a.Li(A7, 222).Ecall());
        Assert.Contains("unknown syscall 222", e.Message);
        Assert.Equal(0x00000073u, e.Instruction);
        Assert.Contains("pc 0x00010008", e.Message);
    }

    [Fact]
    public void ReadFromOtherFdFails() =>
        Assert.Contains("unsupported fd 3", Fails(a => a.Syscall(63, 3, D, 4)).Message);

    [Fact]
    public void WriteToOtherFdFails() =>
        Assert.Contains("unsupported fd 0", Fails(a => a.Syscall(64, 0, D, 4)).Message);

    [Fact]
    public void ReadIntoCodeFails() =>
        Assert.Contains("read-only", Fails(a => a.Syscall(63, 0, 0x10000, 4), input: [1, 2, 3, 4]).Message);

    [Fact]
    public void WriteFromPageZeroFails() =>
        Assert.Contains("page 0", Fails(a => a.Syscall(64, 1, 16, 4)).Message);
}

public class ExecutionErrorTests
{
    private const uint D = ElfBuilder.DataBase;

    [Theory]
    [InlineData("lh", 1)]
    [InlineData("lhu", 3)]
    [InlineData("lw", 2)]
    [InlineData("sh", 1)]
    [InlineData("sw", 3)]
    public void MisalignedAccessFails(string op, int offset)
    {
        var e = Fails(a =>
        {
            a.Li(S0, D);
            _ = op switch
            {
                "lh" => a.Lh(T0, S0, offset),
                "lhu" => a.Lhu(T0, S0, offset),
                "lw" => a.Lw(T0, S0, offset),
                "sh" => a.Sh(T0, S0, offset),
                _ => a.Sw(T0, S0, offset),
            };
        });
        Assert.Contains("misaligned", e.Message);
        Assert.Contains($"0x{D + (uint)offset:x8}", e.Message);
        Assert.Equal(0x10008u, e.Pc);
        Assert.Contains("pc 0x00010008", e.Message);
    }

    [Fact]
    public void PageZeroLoadFails()
    {
        var e = Fails(a => a.Lw(T0, Zero, 0x10));
        Assert.Contains("page 0", e.Message);
        Assert.Contains("0x00000010", e.Message);
        Assert.Equal(0x10000u, e.Pc);
        Assert.Equal(Rv32Assembler.I(0x03, T0, 2, 0, 0x10), e.Instruction);
    }

    [Fact]
    public void PageZeroStoreFails() =>
        Assert.Contains("page 0", Fails(a => a.Li(S0, 0xFFC).Sw(T0, S0, 0)).Message);

    [Fact]
    public void WrappingAddressIntoPageZeroFails() =>
        Assert.Contains("page 0", Fails(a => a.Li(S0, -4).Lw(T0, S0, 8)).Message);

    [Fact]
    public void StoreToCodeFails()
    {
        var e = Fails(a => a.Li(S0, 0x10000).Sw(T0, S0, 0));
        Assert.Contains("read-only", e.Message);
    }

    [Theory]
    [InlineData(0x00100073u, "EBREAK")]
    [InlineData(0x30002573u, "CSR")]    // csrrs a0, mstatus, x0
    [InlineData(0xC0002573u, "CSR")]    // rdcycle a0
    [InlineData(0x0000100Fu, "FENCE.I")]
    [InlineData(0x30200073u, "system")] // mret
    [InlineData(0x00000000u, "illegal instruction")]
    [InlineData(0xFFFFFFFFu, "illegal instruction")]
    [InlineData(0x00002003u | (3u << 12), "illegal instruction")] // load funct3 3 (LD)
    [InlineData(0x02000033u | (1u << 30), "illegal instruction")] // funct7 0x21 on OP
    [InlineData(0x00001013u | (1u << 25), "illegal instruction")] // SLLI with shamt[5] set
    public void IllegalInstructionsFail(uint word, string reason)
    {
        var e = Fails(a => a.Addi(T0, Zero, 1).Word(word));
        Assert.Contains(reason, e.Message);
        Assert.Equal(word, e.Instruction);
        Assert.Equal(0x10004u, e.Pc);
        Assert.Contains($"0x{word:x8}", e.Message);
    }

    [Fact]
    public void JumpOutsideCodeFails()
    {
        var e = Fails(a => a.Li(S0, D).Jalr(Zero, S0, 0));
        Assert.Contains("outside executable code", e.Message);
        Assert.Contains($"0x{D:x8}", e.Message);
    }

    [Fact]
    public void MisalignedJumpTargetsFail()
    {
        Assert.Contains("not 4-byte aligned", Fails(a => a.Jal(Zero, 6)).Message);
        Assert.Contains("not 4-byte aligned", Fails(a => a.Li(S0, 0x10012).Jalr(Zero, S0, 0)).Message);
        Assert.Contains("not 4-byte aligned", Fails(a => a.Branch(0, Zero, Zero, 2)).Message);
    }

    [Fact]
    public void BackwardJumpBeforeCodeFails() =>
        Assert.Contains("outside executable code", Fails(a => a.Jal(Zero, -4)).Message);

    [Fact]
    public void RunningOffTheEndOfCodeFails()
    {
        var e = Fails(a => a.Addi(T0, Zero, 1));
        Assert.Contains("outside executable segments", e.Message);
        Assert.Equal(0x10004u, e.Pc);
    }

    [Fact]
    public void CycleLimitIsEnforced()
    {
        var e = Fails(a => a.Label("l").Jal(Zero, "l"), options: new ExecutionOptions { MaxCycles = 1000 });
        Assert.Contains("cycle limit of 1000 exceeded", e.Message);
        Assert.Equal(1000, e.Cycle);
    }

    [Fact]
    public void ExactlyMaxCyclesSucceeds()
    {
        // li a0 (2) + li a7 (2) + ecall = 5 cycles
        Assert.Equal(5, Run(a => a.Exit(0), options: new ExecutionOptions { MaxCycles = 5 }).Cycles);
        Assert.Contains("cycle limit", Fails(a => a.Exit(0), options: new ExecutionOptions { MaxCycles = 4 }).Message);
    }

    [Fact]
    public void MemoryLimitIsEnforced()
    {
        // image: one code page + 16 data pages; then touch fresh pages in a loop
        var e = Fails(a => a.Li(S0, 0x100000).Li(T1, 4096)
            .Label("l").Sw(T0, S0, 0).Add(S0, S0, T1).Jal(Zero, "l"),
            options: new ExecutionOptions { MaxMemoryBytes = 64 * 4096 });
        Assert.Contains("memory limit of 262144 bytes exceeded", e.Message);
        Assert.Equal(Rv32Assembler.S(0x23, 2, S0, T0, 0), e.Instruction);
    }

    [Fact]
    public void ImageLargerThanMemoryLimitFails() =>
        Assert.Contains("memory limit", Fails(a => a.Exit(0), options: new ExecutionOptions { MaxMemoryBytes = 8 * 4096 }).Message);
}
