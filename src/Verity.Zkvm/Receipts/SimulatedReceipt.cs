using System.Buffers.Binary;
using System.Text;
using Verity.Crypto;

namespace Verity.Zkvm.Receipts;

/// <summary>
/// What a simulated proving job (the cluster's load-testing mode, like Aztec's <c>PROVER_REAL_PROOFS=false</c>) writes
/// instead of a receipt: the claim a real run would prove, its cycles and segments, and <see cref="Notice"/>. It has
/// its own magic so nothing mistakes it for a proof: <see cref="ReceiptCodec.Deserialize"/> and the verifier refuse it.
/// <para>
/// Format, version 1 (integers little-endian): magic "VSIM" · u16 version · u32 notice length, notice (UTF-8, must be
/// <see cref="Notice"/>) · 32-byte image id · 32-byte input digest · u32 exit code · u32 journal length, journal ·
/// u64 cycles · u32 segments. Trailing bytes are rejected.
/// </para>
/// </summary>
public sealed record SimulatedReceipt(Claim Claim, long Cycles, int Segments)
{
    public const ushort FormatVersion = 1;

    /// <summary>The fixed text every simulated receipt carries.</summary>
    public const string Notice = "simulated receipt: made without proving; it proves nothing";

    /// <summary>Why a simulated receipt is refused where a proof is expected.</summary>
    public const string RefusalReason = "this is a " + Notice + " (it comes from a simulated proving job and cannot be verified)";

    private static ReadOnlySpan<byte> Magic => "VSIM"u8;

    /// <summary>True when the bytes start with the simulated receipt's magic.</summary>
    public static bool IsSimulated(ReadOnlySpan<byte> bytes) => bytes.Length >= 4 && bytes[..4].SequenceEqual(Magic);

    public byte[] ToBytes()
    {
        if (Cycles < 0) throw new InvalidOperationException($"cycles must not be negative, got {Cycles}");
        if (Segments < 0) throw new InvalidOperationException($"segments must not be negative, got {Segments}");
        using var ms = new MemoryStream();
        var w = new BinaryWriter(ms, Encoding.UTF8);
        w.Write(Magic);
        w.Write(FormatVersion);
        var notice = Encoding.UTF8.GetBytes(Notice);
        w.Write((uint)notice.Length);
        w.Write(notice);
        w.Write(Claim.ImageId.ToArray());
        w.Write(Claim.InputDigest.ToArray());
        w.Write(Claim.ExitCode);
        w.Write((uint)Claim.Journal.Length);
        w.Write(Claim.Journal);
        w.Write((ulong)Cycles);
        w.Write((uint)Segments);
        w.Flush();
        return ms.ToArray();
    }

    /// <exception cref="FormatException">The bytes are not a simulated receipt of this version; the message says which field.</exception>
    public static SimulatedReceipt FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (!IsSimulated(bytes)) throw new FormatException("not a simulated receipt: bad magic (expected \"VSIM\")");
        int at = 4;
        ReadOnlySpan<byte> Take(ReadOnlySpan<byte> b, int n, string what)
        {
            if (n < 0 || n > b.Length - at) throw new FormatException($"truncated simulated receipt: {what} needs {n} bytes, {b.Length - at} left");
            var s = b.Slice(at, n);
            at += n;
            return s;
        }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(Take(bytes, 2, "format version"));
        if (version != FormatVersion) throw new FormatException($"unsupported simulated receipt version {version} (expected {FormatVersion})");
        int noticeLength = checked((int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(Take(bytes, 4, "notice length")), int.MaxValue));
        if (Encoding.UTF8.GetString(Take(bytes, noticeLength, "notice")) != Notice) throw new FormatException("simulated receipt: the notice is not the fixed text");
        var imageId = Digest.Read(Take(bytes, 32, "image id"));
        var inputDigest = Digest.Read(Take(bytes, 32, "input digest"));
        uint exitCode = BinaryPrimitives.ReadUInt32LittleEndian(Take(bytes, 4, "exit code"));
        int journalLength = checked((int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(Take(bytes, 4, "journal length")), int.MaxValue));
        var journal = Take(bytes, journalLength, "journal").ToArray();
        ulong cycles = BinaryPrimitives.ReadUInt64LittleEndian(Take(bytes, 8, "cycles"));
        uint segments = BinaryPrimitives.ReadUInt32LittleEndian(Take(bytes, 4, "segments"));
        if (cycles > long.MaxValue || segments > int.MaxValue) throw new FormatException("simulated receipt: cycles or segments out of range");
        if (at != bytes.Length) throw new FormatException($"{bytes.Length - at} trailing bytes after the simulated receipt");
        return new SimulatedReceipt(new Claim(imageId, inputDigest, journal, exitCode), (long)cycles, (int)segments);
    }
}
