using System.Text;
using Verity.Crypto;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;

namespace Verity.Zkvm.Tests;

/// <summary>The simulated receipt format ("VSIM") round-trips, and nothing that expects a proof accepts it.</summary>
public class SimulatedReceiptTests
{
    private static readonly Claim SomeClaim = new(Blake3.Hash("image"u8), Blake3.Hash("input"u8), [1, 2, 3], 7);

    [Fact]
    public void Round_trips_and_rejects_damage()
    {
        var bytes = new SimulatedReceipt(SomeClaim, 12345, 4).ToBytes();
        var back = SimulatedReceipt.FromBytes(bytes);
        Assert.Equal(SomeClaim.ImageId, back.Claim.ImageId);
        Assert.Equal(SomeClaim.InputDigest, back.Claim.InputDigest);
        Assert.Equal(SomeClaim.Journal, back.Claim.Journal);
        Assert.Equal(7u, back.Claim.ExitCode);
        Assert.Equal(12345, back.Cycles);
        Assert.Equal(4, back.Segments);
        Assert.Contains(SimulatedReceipt.Notice, Encoding.UTF8.GetString(bytes));
        Assert.Throws<FormatException>(() => SimulatedReceipt.FromBytes(bytes[..^1]));
        Assert.Throws<FormatException>(() => SimulatedReceipt.FromBytes([.. bytes, 0]));
        var otherNotice = (byte[])bytes.Clone();
        otherNotice[10] ^= 0x20; // a letter of the notice
        Assert.Throws<FormatException>(() => SimulatedReceipt.FromBytes(otherNotice));
        Assert.Throws<FormatException>(() => SimulatedReceipt.FromBytes("VRCT"u8));
    }

    [Fact]
    public void The_receipt_codec_and_the_verifier_refuse_it_as_simulated()
    {
        var bytes = new SimulatedReceipt(SomeClaim, 100, 1).ToBytes();
        foreach (var b in new[] { bytes, bytes[..6] }) // even a damaged one is named for what it is
        {
            FormatException e = Assert.Throws<ReceiptFormatException>(() => ReceiptCodec.Deserialize(b));
            Assert.Contains("simulated receipt", e.Message);
            Assert.Contains("proves nothing", e.Message);
            var v = ZkvmVerifier.Verify(b, SomeClaim.ImageId, ZkvmTestKit.Parameters, ZkvmTestKit.Options);
            Assert.False(v.IsValid);
            Assert.Contains("simulated receipt", v.Error);
            Assert.Contains("proves nothing", v.Error);
        }
    }
}
