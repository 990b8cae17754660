using System.Text;
using Verity.Crypto;
using Verity.Vm.Tests;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;
using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests;

/// <summary>Receipt-level soundness: the claim, the segment chain and the binding of proofs to one run and one program.</summary>
public class ReceiptTests
{
    private static readonly byte[] Input = Encoding.ASCII.GetBytes("verity proves reads and writes");
    private static readonly Verity.Vm.ProgramImage Image = SyscallTests.EchoProgram();
    private static readonly Lazy<Receipt> Honest = new(() => Prove(Image, Input, po2: 5));

    private static Receipt Copy(Receipt r, Claim? claim = null, byte[]? input = null, uint? consumed = null,
        SegmentHeader[]? segments = null, Verity.Stark.Air.Proofs.StarkProof[]? proofs = null, Verity.Vm.ProgramImage? image = null) => new()
    {
        Claim = claim ?? r.Claim,
        Image = image ?? r.Image,
        Input = input ?? r.Input,
        InputConsumed = consumed ?? r.InputConsumed,
        SegmentPo2 = r.SegmentPo2,
        Segments = segments ?? r.Segments,
        SegmentProofs = proofs ?? r.SegmentProofs,
        MemoryProof = r.MemoryProof,
    };

    [Fact]
    public void HonestReceiptVerifiesAndRoundTrips()
    {
        var r = Honest.Value;
        Assert.True(r.Segments.Length >= 4);
        AssertValid(r, Image);
        var bytes = ReceiptCodec.Serialize(r);
        var v = ZkvmVerifier.Verify(bytes, Image.ImageId, Parameters, Options);
        Assert.True(v.IsValid, v.Error);
        Assert.Equal(r.Claim.Journal, v.Claim!.Journal);
        Assert.Equal(bytes, ReceiptCodec.Serialize(ReceiptCodec.Deserialize(bytes)));
    }

    [Fact]
    public void ChangedJournalIsRejected()
    {
        var r = Honest.Value;
        var journal = (byte[])r.Claim.Journal.Clone();
        journal[3] ^= 1;
        AssertRejected(Copy(r, claim: r.Claim with { Journal = journal }), Image);
        AssertRejected(Copy(r, claim: r.Claim with { Journal = r.Claim.Journal[..^1] }), Image);
        AssertRejected(Copy(r, claim: r.Claim with { Journal = [.. r.Claim.Journal, 0] }), Image);
    }

    [Fact]
    public void ChangedExitCodeIsRejected() =>
        AssertRejected(Copy(Honest.Value, claim: Honest.Value.Claim with { ExitCode = 43 }), Image);

    [Fact]
    public void ChangedInputOrDigestIsRejected()
    {
        var r = Honest.Value;
        var other = (byte[])Input.Clone();
        other[2] ^= 0x20;
        AssertRejected(Copy(r, claim: r.Claim with { InputDigest = Claim.DigestInput(other) }), Image);
        AssertRejected(Copy(r, input: other), Image);
        AssertRejected(Copy(r, input: other, claim: r.Claim with { InputDigest = Claim.DigestInput(other) }), Image);
        AssertRejected(Copy(r, consumed: r.InputConsumed - 1), Image);
    }

    [Fact]
    public void OtherImageIdIsRejected()
    {
        var other = Program(a => a.Li(T0, 1));
        var v = ZkvmVerifier.Verify(Honest.Value, other.ImageId, Parameters, Options);
        Assert.False(v.IsValid);
        AssertRejected(Copy(Honest.Value, claim: Honest.Value.Claim with { ImageId = other.ImageId }), Image);
        AssertRejected(Copy(Honest.Value, image: other), Image);
    }

    [Fact]
    public void ReorderedSegmentsAreRejected()
    {
        var r = Honest.Value;
        int[] order = [.. Enumerable.Range(0, r.Segments.Length)];
        (order[1], order[2]) = (order[2], order[1]);
        AssertRejected(Copy(r, segments: [.. order.Select(i => r.Segments[i])], proofs: [.. order.Select(i => r.SegmentProofs[i])]), Image);
        // Proofs swapped under the honest headers.
        AssertRejected(Copy(r, proofs: [.. order.Select(i => r.SegmentProofs[i])]), Image);
    }

    [Fact]
    public void DroppedSegmentsAreRejected()
    {
        var r = Honest.Value;
        var keep = Enumerable.Range(0, r.Segments.Length).Where(i => i != 1).ToArray();
        AssertRejected(Copy(r, segments: [.. keep.Select(i => r.Segments[i])], proofs: [.. keep.Select(i => r.SegmentProofs[i])]), Image);
        AssertRejected(Copy(r, segments: r.Segments[..^1], proofs: r.SegmentProofs[..^1]), Image);
        AssertRejected(Copy(r, segments: r.Segments[1..], proofs: r.SegmentProofs[1..]), Image);
    }

    [Fact]
    public void DuplicatedSegmentIsRejected()
    {
        var r = Honest.Value;
        AssertRejected(Copy(r, segments: [r.Segments[0], .. r.Segments], proofs: [r.SegmentProofs[0], .. r.SegmentProofs]), Image);
        AssertRejected(Copy(r, proofs: [r.SegmentProofs[0], r.SegmentProofs[0], .. r.SegmentProofs[2..]]), Image);
    }

    [Fact]
    public void SegmentFromAnotherRunIsRejected()
    {
        var r = Honest.Value;
        var otherInput = Encoding.ASCII.GetBytes("VERITY PROVES READS AND WRITES");
        var other = Prove(Image, otherInput, po2: 5);
        Assert.Equal(r.Segments.Length, other.Segments.Length);
        for (int i = 0; i < r.Segments.Length; i++)
        {
            var proofs = (Verity.Stark.Air.Proofs.StarkProof[])r.SegmentProofs.Clone();
            proofs[i] = other.SegmentProofs[i];
            AssertRejected(Copy(r, proofs: proofs), Image);
        }
    }

    [Fact]
    public void MalformedBytesAreRejectedWithAReason()
    {
        var bytes = ReceiptCodec.Serialize(Honest.Value);
        foreach (var bad in new[] { bytes[..10], bytes[..^1], [.. bytes, 0], Encoding.ASCII.GetBytes("nonsense") })
        {
            var v = ZkvmVerifier.Verify(bad, Image.ImageId, Parameters, Options);
            Assert.False(v.IsValid);
            Assert.Contains("malformed receipt", v.Error);
        }
        var rng = new Random(5);
        for (int k = 0; k < 20; k++)
        {
            var copy = (byte[])bytes.Clone();
            copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
            Assert.False(ZkvmVerifier.Verify(copy, Image.ImageId, Parameters, Options).IsValid);
        }
    }
}
