using FsCheck;
using FsCheck.Fluent;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Examples;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

public class ProofCodecTests
{
    private static readonly byte[] Honest = Prove(RangeCheckAir.CreateRandom(5, seed: 21));

    private static bool DecodesOrRefusesCleanly(byte[] bytes)
    {
        try
        {
            var proof = ProofCodec.Deserialize(bytes);
            // Whatever decodes must re-encode to the same bytes (the encoding is canonical).
            return ProofCodec.Serialize(proof).AsSpan().SequenceEqual(bytes);
        }
        catch (ProofFormatException e)
        {
            return e.Message.Length > 0;
        }
    }

    [Fact]
    public void Arbitrary_bytes_decode_or_fail_with_a_format_error() =>
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), DecodesOrRefusesCleanly).QuickCheckThrowOnFailure();

    [Fact]
    public void Prefixed_arbitrary_bytes_decode_or_fail_with_a_format_error() =>
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), tail => DecodesOrRefusesCleanly([.. "VSTK"u8, (byte)StarkProof.FormatVersion, 0, .. tail])).QuickCheckThrowOnFailure();

    [Fact]
    public void Every_truncation_of_a_proof_fails_with_a_format_error()
    {
        for (int len = 0; len < Honest.Length; len += 7)
            Assert.Throws<ProofFormatException>(() => ProofCodec.Deserialize(Honest.AsSpan(0, len)));
    }

    [Fact]
    public void Random_byte_changes_decode_or_fail_with_a_format_error() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), ArbMap.Default.ArbFor<byte>(), (at, value) =>
        {
            var copy = (byte[])Honest.Clone();
            copy[(int)((uint)at % (uint)copy.Length)] ^= (byte)(value | 1);
            return DecodesOrRefusesCleanly(copy);
        }).QuickCheckThrowOnFailure();
}
