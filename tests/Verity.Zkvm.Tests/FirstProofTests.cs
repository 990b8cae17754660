using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests;

public class FirstProofTests
{
    [Fact]
    public void ArithmeticProgramProvesAndVerifies()
    {
        var image = Program(a => a.Li(T0, 1234567).Li(T1, 0xFFFF0000u).Add(T2, T0, T1).Op("sub", T2, T2, T0).Auipc(T1, 0x1000).Fence(), exitCode: 7);
        var receipt = Prove(image);
        AssertValid(receipt, image);
        Assert.Equal(7u, receipt.Claim.ExitCode);
    }
}

public class FirstRejectionTests
{
    private static readonly Verity.Vm.ProgramImage Image = Program(a => a.Li(T0, 5).Addi(T1, T0, 3).Add(T2, T0, T1), exitCode: 3);

    [Fact]
    public void ChangedExitCodeIsRejected()
    {
        var r = Prove(Image);
        AssertValid(r, Image);
        var forged = new Verity.Zkvm.Receipts.Receipt
        {
            Claim = r.Claim with { ExitCode = 4 },
            Image = r.Image, Input = r.Input, InputConsumed = r.InputConsumed, SegmentPo2 = r.SegmentPo2,
            Segments = r.Segments, SegmentProofs = r.SegmentProofs, MemoryProof = r.MemoryProof,
        };
        AssertRejected(forged, Image);
    }

    [Fact]
    public void TamperedArithCellIsRejected()
    {
        var r = Prove(Image, check: false, tamper: (seg, table, trace) =>
        {
            if (table == "arith") trace.Set(trace.Columns.Length - 3, 1, 1); // a limb of rd's access time
        });
        AssertRejected(r, Image);
    }
}
