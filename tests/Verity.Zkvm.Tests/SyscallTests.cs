using System.Text;
using Verity.Vm.Tests;
using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests;

public class SyscallTests
{
    private const uint Buf = ElfBuilder.DataBase;
    private static readonly byte[] Input = Encoding.ASCII.GetBytes("verity proves reads and writes");

    /// <summary>Reads 13 input bytes to an unaligned buffer, writes them to the journal, logs 5 bytes, reads the rest.</summary>
    internal static Verity.Vm.ProgramImage EchoProgram() => Program(a => a
        .Syscall(63, 0, Buf + 1, 13)
        .Syscall(64, 1, Buf + 1, 13)
        .Syscall(64, 2, Buf + 3, 5)
        .Syscall(63, 0, Buf + 100, 1000)
        .Syscall(64, 1, Buf + 100, 7)
        .Syscall(63, 0, Buf + 200, 5)   // at the end of the input: 0 bytes
        .Syscall(63, 0, Buf + 200, 0)   // n = 0
        .Syscall(64, 1, Buf + 200, 0),  // empty write
        exitCode: 42);

    [Fact]
    public void ReadsAndWritesProveAndVerify()
    {
        var image = EchoProgram();
        var receipt = Prove(image, Input);
        var v = Verify(receipt, image);
        Assert.True(v.IsValid, v.Error);
        byte[] expected = [.. Input.AsSpan(0, 13), .. Input.AsSpan(13, 7)];
        Assert.Equal(expected, v.Claim!.Journal);
        Assert.Equal(42u, v.Claim.ExitCode);
        Assert.Equal((uint)Input.Length, receipt.InputConsumed);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void ReadsAndWritesAcrossManySegments(int po2)
    {
        var image = EchoProgram();
        var receipt = Prove(image, Input, po2: po2);
        Assert.True(receipt.Segments.Length > 3);
        AssertValid(receipt, image);
    }

    [Fact]
    public void ExitWithoutIoProves()
    {
        var image = Program(a => a.Li(T0, 99), exitCode: 255);
        var receipt = Prove(image);
        AssertValid(receipt, image);
        Assert.Empty(receipt.Claim.Journal);
    }

    [Fact]
    public void InputNotFullyReadIsBoundToTheConsumedPrefix()
    {
        var image = Program(a => a.Syscall(63, 0, Buf, 4).Syscall(64, 1, Buf, 4));
        var receipt = Prove(image, Input);
        Assert.Equal(4u, receipt.InputConsumed);
        AssertValid(receipt, image);
    }

    /// <summary>
    /// The executor shortens a transfer that cannot fit even in a fresh segment to fill that segment exactly; the
    /// circuit binds that case (call at the segment's first cycle, transfer filling it) and proves it. A transfer
    /// that fits exactly is not shortened.
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void Transfers_shortened_at_a_segment_limit_prove(int po2)
    {
        uint capacity = 4u * ((1u << po2) - 2);
        var input = Enumerable.Range(0, 200).Select(i => (byte)(i * 7 + 3)).ToArray();
        var image = Program(a => a
            .Syscall(63, 0, Buf + 2, 200)
            .Syscall(64, 1, Buf + 1, 200)
            .Syscall(64, 1, Buf, capacity));
        var run = Verity.Vm.Executor.Run(image, input, new Verity.Vm.ExecutionOptions { SegmentPo2 = po2 });
        Assert.Equal((long)capacity - 2, run.InputBytesRead);
        Assert.Equal((int)(capacity - 1 + capacity), run.Journal.Length);
        var receipt = Prove(image, input, po2: po2);
        var v = Verify(receipt, image);
        Assert.True(v.IsValid, v.Error);
        Assert.Equal(run.Journal, v.Claim!.Journal);
        Assert.Equal((uint)run.InputBytesRead, receipt.InputConsumed);
    }
}
