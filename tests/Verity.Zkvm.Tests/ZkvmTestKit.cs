using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Vm;
using Verity.Vm.Tests;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;

namespace Verity.Zkvm.Tests;

/// <summary>Proves small assembled programs with the fast insecure parameters (the protocol is the same).</summary>
internal static class ZkvmTestKit
{
    public static readonly StarkParameters Parameters = StarkParameters.InsecureTest;
    public static readonly VerifierOptions Options = VerifierOptions.InsecureForTests;

    public static ProgramImage Program(Action<Rv32Assembler> body, int exitCode = 0, byte[]? data = null)
    {
        var asm = new Rv32Assembler();
        body(asm);
        asm.Exit(exitCode);
        return ElfBuilder.Program(asm, data);
    }

    public static Receipt Prove(ProgramImage image, byte[]? input = null, int po2 = 10, bool check = true, Action<int, string, Witness.TraceColumns>? tamper = null) =>
        ZkvmProver.Prove(image, input ?? [], new ZkvmProveOptions
        {
            SegmentPo2 = po2,
            Parameters = Parameters,
            RejectInvalidWitness = check,
            TamperTrace = tamper,
        });

    public static ReceiptVerification Verify(Receipt receipt, ProgramImage image) =>
        ZkvmVerifier.Verify(receipt, image.ImageId, Parameters, Options);

    public static void AssertValid(Receipt receipt, ProgramImage image)
    {
        var v = Verify(receipt, image);
        Assert.True(v.IsValid, v.Error);
    }

    public static void AssertRejected(Receipt receipt, ProgramImage image)
    {
        var v = Verify(receipt, image);
        Assert.False(v.IsValid, "the verifier accepted a receipt it must reject");
    }
}
