using System.Text;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Receipts;

namespace Verity.Zkvm.Tests;

/// <summary>The task split (execute → prove segments in any order → prove memory → assemble) through serialized state.</summary>
public class TaskTests
{
    private static readonly byte[] Input = Encoding.ASCII.GetBytes("verity proves reads and writes");

    [Fact]
    public void TasksThroughBytesGiveTheSameReceiptAsOneShotProving()
    {
        var image = SyscallTests.EchoProgram();
        var options = new ZkvmProveOptions { SegmentPo2 = 5, Parameters = ZkvmTestKit.Parameters };
        var oneShot = ReceiptCodec.Serialize(ZkvmProver.Prove(image, Input, options));

        var bytes = ZkvmTasks.Execute(image, Input, options).ToBytes();
        var run = ExecutedRun.FromBytes(bytes);
        Assert.Equal(bytes, run.ToBytes());
        Assert.True(run.SegmentCount >= 4);
        var proofs = new Verity.Stark.Air.Proofs.StarkProof[run.SegmentCount];
        foreach (int i in Enumerable.Range(0, run.SegmentCount).Reverse()) // any order
            proofs[i] = ZkvmTasks.ProveSegment(image, Input, ExecutedRun.FromBytes(bytes), i, options);
        var memory = ZkvmTasks.ProveMemory(image, Input, run, options);
        var receipt = ZkvmTasks.Assemble(image, Input, run, proofs, memory);
        ZkvmTestKit.AssertValid(receipt, image);
        Assert.Equal(oneShot, ReceiptCodec.Serialize(receipt));
    }

    [Fact]
    public void CorruptExecutedRunIsRefused()
    {
        var image = SyscallTests.EchoProgram();
        var bytes = ZkvmTasks.Execute(image, Input, new ZkvmProveOptions { SegmentPo2 = 6, Parameters = ZkvmTestKit.Parameters }).ToBytes();
        Assert.Throws<FormatException>(() => ExecutedRun.FromBytes(bytes[..^3]));
        Assert.Throws<FormatException>(() => ExecutedRun.FromBytes([.. bytes, 1]));
        Assert.Throws<FormatException>(() => ExecutedRun.FromBytes(Encoding.ASCII.GetBytes("not a run")));
    }
}
