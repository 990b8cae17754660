using static Verity.Vm.Tests.ElfBuilder;

namespace Verity.Vm.Tests;

/// <summary>Runs alone: it reads the process's working set, which other tests' allocations would disturb.</summary>
[CollectionDefinition(nameof(ZeroTailCodeTests), DisableParallelization = true)]
public sealed class ZeroTailCodeCollection;

/// <summary>
/// The zero tail of an executable region: it decodes to illegal instructions, so the executor keeps it implicit
/// (no decoded records, no instruction words) and faults only when it is executed.
/// </summary>
[Collection(nameof(ZeroTailCodeTests))]
public class ZeroTailCodeTests
{
    private const uint Tail = 255u << 20; // just under the 256 MiB of executable span the executor takes

    [Fact]
    public void AnExecutableZeroTailCostsNoMemory()
    {
        byte[] file = new ElfBuilder().Add(0x10000, new Rv32Assembler().Exit(0).ToBytes(), R | X, Tail).Build();
        var image = ElfLoader.Load(file);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long workingSet = Environment.WorkingSet;
        long before = GC.GetAllocatedBytesForCurrentThread();
        using (var machine = new Machine(image, [], 1L << 30, loadImage: true))
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long grown = Environment.WorkingSet - workingSet;
            // Before: 8-byte decoded records and 4-byte words for all 255 MiB of code, 765 MiB allocated and touched.
            Assert.True(allocated < 64L << 20, $"setting up the machine allocated {allocated} bytes for a 255 MiB zero tail");
            Assert.True(grown < 64L << 20, $"the working set grew by {grown} bytes for a 255 MiB zero tail");
        }
        Assert.Equal(0, Executor.Run(image, []).ExitCode);
    }

    [Fact]
    public void RunningIntoTheZeroTailIsAnIllegalInstruction()
    {
        var code = new Rv32Assembler().Addi(Rv32Assembler.T0, Rv32Assembler.Zero, 1).ToBytes();
        var e = Assert.Throws<ExecutionException>(() =>
            Executor.Run(ElfLoader.Load(new ElfBuilder().Add(0x10000, code, R | X, Tail).Build()), []));
        Assert.Equal(0x10004u, e.Pc);
        Assert.Equal(0u, e.Instruction);
        Assert.Equal(1, e.Cycle);
        Assert.Contains("illegal instruction", e.Message);
    }

    [Fact]
    public void AJumpDeepIntoTheZeroTailIsAnIllegalInstructionThere()
    {
        const uint target = 0x10000 + (200u << 20);
        var code = new Rv32Assembler().Li(Rv32Assembler.S0, target).Jalr(Rv32Assembler.Ra, Rv32Assembler.S0, 0).ToBytes();
        var e = Assert.Throws<ExecutionException>(() =>
            Executor.Run(ElfLoader.Load(new ElfBuilder().Add(0x10000, code, R | X, Tail).Build()), []));
        Assert.Equal(target, e.Pc);
        Assert.Equal(0u, e.Instruction);
        Assert.Contains("illegal instruction", e.Message);
    }

    [Fact]
    public void AJumpIntoAGapBetweenExecutableRegionsFetchesOutsideThem()
    {
        // The gap is inside the span of executable code, so the jump is taken; the fetch there fails.
        var code = new Rv32Assembler().Jal(Rv32Assembler.Zero, 0x2000).ToBytes();
        var other = new Rv32Assembler(0x20000).Exit(0).ToBytes();
        var e = Assert.Throws<ExecutionException>(() =>
            Executor.Run(ElfLoader.Load(new ElfBuilder().Add(0x10000, code, R | X).Add(0x20000, other, R | X).Build()), []));
        Assert.Equal(0x12000u, e.Pc);
        Assert.Contains("instruction fetch from 0x00012000 outside executable segments", e.Message);
    }
}
