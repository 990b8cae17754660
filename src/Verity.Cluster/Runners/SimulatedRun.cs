using System.Buffers.Binary;
using Verity.Crypto;
using Verity.Zkvm.Receipts;

namespace Verity.Cluster.Runners;

/// <summary>
/// The run blob of a simulated job: what the preflight found (segments, cycles, the claim), enough for the simulated
/// prove and finalize tasks. Format (little-endian): magic "VSRN" · u16 version 1 · 32-byte image id · 32-byte input
/// digest · u32 exit code · u64 cycles · u32 segments · u64 input consumed · u32 journal length, journal.
/// </summary>
internal sealed record SimulatedRun(Claim Claim, long Cycles, int Segments, long InputConsumed)
{
    private const ushort Version = 1;
    private static ReadOnlySpan<byte> Magic => "VSRN"u8;
    private const int FixedBytes = 4 + 2 + 32 + 32 + 4 + 8 + 4 + 8 + 4;

    public byte[] ToBytes()
    {
        var b = new byte[FixedBytes + Claim.Journal.Length];
        var s = b.AsSpan();
        Magic.CopyTo(s);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], Version);
        Claim.ImageId.ToArray().CopyTo(s[6..]);
        Claim.InputDigest.ToArray().CopyTo(s[38..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[70..], Claim.ExitCode);
        BinaryPrimitives.WriteInt64LittleEndian(s[74..], Cycles);
        BinaryPrimitives.WriteInt32LittleEndian(s[82..], Segments);
        BinaryPrimitives.WriteInt64LittleEndian(s[86..], InputConsumed);
        BinaryPrimitives.WriteInt32LittleEndian(s[94..], Claim.Journal.Length);
        Claim.Journal.CopyTo(s[FixedBytes..]);
        return b;
    }

    /// <exception cref="FormatException">Not a simulated run blob (for instance a real run's).</exception>
    public static SimulatedRun FromBytes(ReadOnlySpan<byte> b)
    {
        if (b.Length < FixedBytes || !b[..4].SequenceEqual(Magic)) throw new FormatException("not a simulated run (expected magic \"VSRN\")");
        if (BinaryPrimitives.ReadUInt16LittleEndian(b[4..]) != Version) throw new FormatException("unsupported simulated run version");
        long cycles = BinaryPrimitives.ReadInt64LittleEndian(b[74..]);
        int segments = BinaryPrimitives.ReadInt32LittleEndian(b[82..]);
        long consumed = BinaryPrimitives.ReadInt64LittleEndian(b[86..]);
        int journal = BinaryPrimitives.ReadInt32LittleEndian(b[94..]);
        if (cycles < 0 || segments < 1 || consumed < 0) throw new FormatException("simulated run: negative cycles or input, or no segments");
        if (journal != b.Length - FixedBytes) throw new FormatException($"simulated run: journal length {journal} does not match the {b.Length - FixedBytes} bytes left");
        var claim = new Claim(Digest.Read(b[6..38]), Digest.Read(b[38..70]), b[FixedBytes..].ToArray(), BinaryPrimitives.ReadUInt32LittleEndian(b[70..]));
        return new SimulatedRun(claim, cycles, segments, consumed);
    }
}
