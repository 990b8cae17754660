using System.Text;
using Verity.Vm.Tests;
using static Verity.Vm.Tests.Rv32Assembler;

namespace Verity.Zkvm.Tests;

/// <summary>Single-cell mutations of the core tables (arith, syscall, boundary, IO, ROM, byte table, memory table) are rejected.</summary>
public class CoreMutationTests
{
    private static readonly byte[] Input = Encoding.ASCII.GetBytes("mutations must be caught!");
    private static readonly Verity.Vm.ProgramImage Image = ZkvmTestKit.Program(a => a
        .Li(T0, 0x7FFFFFFF).Addi(T1, T0, 1).Op("sub", T2, Zero, T1).Add(T2, T2, T0).Auipc(T3, 0xFFFFF000).Fence()
        .Syscall(63, 0, ElfBuilder.DataBase + 2, 9)
        .Syscall(64, 1, ElfBuilder.DataBase + 2, 9)
        .Syscall(64, 2, ElfBuilder.DataBase + 4, 3)
        .Syscall(63, 0, ElfBuilder.DataBase + 64, 100), exitCode: 5);

    private const int Po2 = 6;

    [Theory]
    [InlineData("arith", 6)]
    [InlineData("syscall", 6)]
    [InlineData("boundary", 6)]
    [InlineData("io", 4)]
    [InlineData("program", 4)]
    [InlineData("bytes", 4)]
    [InlineData("memory", 4)]
    public void SingleCellMutationsAreRejected(string table, int extra)
    {
        var traces = MutationKit.Capture(Image, Input, Po2, table);
        Assert.NotEmpty(traces);
        var cells = MutationKit.Sample(traces, extra, seed: table.Length * 7919);
        MutationKit.AssertAllRejected(Image, Input, Po2, table, cells);
    }
}
