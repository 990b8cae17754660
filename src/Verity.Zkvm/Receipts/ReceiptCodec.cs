using System.Buffers.Binary;
using System.Text;
using Verity.Crypto;
using Verity.Stark.Air.Proofs;
using Verity.Vm;

namespace Verity.Zkvm.Receipts;

/// <summary>
/// Raised for receipt bytes that cannot be decoded (a <see cref="FormatException"/>); the message says which field and
/// why, or that the bytes are a <see cref="SimulatedReceipt"/>, which proves nothing.
/// </summary>
public sealed class ReceiptFormatException(string message) : FormatException(message);

/// <summary>
/// Binary receipt format, version 1 (integers little-endian): magic "VRCT" · u16 version · claim (32-byte image id,
/// 32-byte input digest, u32 exit code, u32 journal length, journal) · image (u32 entry pc, u32 region count, per
/// region u32 address, u32 length, u32 flags, u32 stored length, stored bytes; the rest of the region is zeros, never
/// materialised) ·
/// u32 input length, input · u32 input consumed · u8 segment po2 · u32 segment count · per segment u32 start pc,
/// u64 start clk, u32 end pc, u64 end clk, u32 proof length, proof (STARK format) · u32 length, memory proof.
/// Counts and lengths are checked against the bytes actually present before anything is allocated for them, so
/// decoding allocates in proportion to the input, whatever it declares; trailing bytes are rejected.
/// </summary>
public static class ReceiptCodec
{
    private static ReadOnlySpan<byte> Magic => "VRCT"u8;
    public const int MaxImageBytes = 1 << 30, MaxInputBytes = 1 << 30, MaxSegments = 1 << 20;

    /// <summary>The fewest bytes one segment takes: start pc, start clk, end pc, end clk, proof length.</summary>
    private const int SegmentHeaderBytes = 4 + 8 + 4 + 8 + 4;

    /// <summary>The fewest bytes one image region takes: address, length, flags, stored length.</summary>
    private const int RegionHeaderBytes = 16;

    public static byte[] Serialize(Receipt r)
    {
        using var ms = new MemoryStream();
        var w = new BinaryWriter(ms, Encoding.UTF8);
        w.Write(Magic);
        w.Write(Receipt.FormatVersion);
        w.Write(r.Claim.ImageId.ToArray());
        w.Write(r.Claim.InputDigest.ToArray());
        w.Write(r.Claim.ExitCode);
        w.Write((uint)r.Claim.Journal.Length);
        w.Write(r.Claim.Journal);
        w.Write(r.Image.EntryPc);
        w.Write((uint)r.Image.Segments.Count);
        foreach (var s in r.Image.Segments)
        {
            // Data is already the region's bytes up to its last non-zero word.
            w.Write(s.Address);
            w.Write(s.Length);
            w.Write(s.Flags);
            w.Write((uint)s.Data.Length);
            w.Write(s.Data);
        }
        w.Write((uint)r.Input.Length);
        w.Write(r.Input);
        w.Write(r.InputConsumed);
        w.Write((byte)r.SegmentPo2);
        w.Write((uint)r.Segments.Length);
        for (int i = 0; i < r.Segments.Length; i++)
        {
            var h = r.Segments[i];
            w.Write(h.StartPc);
            w.Write((ulong)h.StartClk);
            w.Write(h.EndPc);
            w.Write((ulong)h.EndClk);
            var proof = ProofCodec.Serialize(r.SegmentProofs[i]);
            w.Write((uint)proof.Length);
            w.Write(proof);
        }
        var memory = ProofCodec.Serialize(r.MemoryProof);
        w.Write((uint)memory.Length);
        w.Write(memory);
        w.Flush();
        return ms.ToArray();
    }

    /// <exception cref="ReceiptFormatException">Malformed bytes, or a simulated receipt (which proves nothing).</exception>
    public static Receipt Deserialize(ReadOnlySpan<byte> bytes)
    {
        var r = new Reader(bytes);
        // A simulated job's output has its own magic; say what it is rather than "bad magic".
        if (SimulatedReceipt.IsSimulated(bytes)) throw new ReceiptFormatException(SimulatedReceipt.RefusalReason);
        if (bytes.Length < 4 || !bytes[..4].SequenceEqual(Magic)) throw new ReceiptFormatException("not a Verity receipt: bad magic (expected \"VRCT\")");
        r.Skip(4);
        ushort version = r.U16("format version");
        if (version != Receipt.FormatVersion) throw new ReceiptFormatException($"unsupported receipt format version {version} (this verifier reads version {Receipt.FormatVersion})");
        var imageId = Digest.Read(r.Bytes(32, "image id"));
        var inputDigest = Digest.Read(r.Bytes(32, "input digest"));
        uint exitCode = r.U32("exit code");
        var journal = r.Bytes(r.Length(MaxInputBytes, "journal length"), "journal").ToArray();
        var image = ReadImage(ref r);
        var input = r.Bytes(r.Length(MaxInputBytes, "input length"), "input").ToArray();
        uint consumed = r.U32("input consumed");
        int po2 = r.U8("segment po2");
        int count = r.Length(MaxSegments, "segment count");
        if (count == 0) throw new ReceiptFormatException("a receipt needs at least one segment");
        // Each segment takes at least its header and proof length, and the memory proof's length follows: refuse a
        // count the bytes present cannot hold before allocating anything for it.
        r.Fits(count, SegmentHeaderBytes, 4, "segment count");
        var headers = new SegmentHeader[count];
        var proofs = new StarkProof[count];
        for (int i = 0; i < count; i++)
        {
            // Field names are formatted only for an error message, not once per segment.
            headers[i] = new SegmentHeader(r.U32(What.Of("segment", i, "start pc")), r.Clock(What.Of("segment", i, "start clk")),
                r.U32(What.Of("segment", i, "end pc")), r.Clock(What.Of("segment", i, "end clk")));
            proofs[i] = ReadProof(ref r, What.Of("segment", i, "proof"), What.Of("segment", i, "proof length"));
        }
        var memoryProof = ReadProof(ref r, "memory proof", "memory proof length");
        if (!r.AtEnd) throw new ReceiptFormatException($"{r.Remaining} trailing bytes after the memory proof");
        return new Receipt
        {
            Claim = new Claim(imageId, inputDigest, journal, exitCode),
            Image = image,
            Input = input,
            InputConsumed = consumed,
            SegmentPo2 = po2,
            Segments = headers,
            SegmentProofs = proofs,
            MemoryProof = memoryProof,
        };
    }

    private static StarkProof ReadProof(ref Reader r, What what, What lengthWhat)
    {
        var bytes = r.Bytes(r.Length(int.MaxValue, lengthWhat), what);
        try { return ProofCodec.Deserialize(bytes); }
        catch (ProofFormatException e) { throw new ReceiptFormatException($"{what}: {e.Message}"); }
    }

    private static ProgramImage ReadImage(ref Reader r)
    {
        uint entry = r.U32("entry pc");
        int regions = r.Length(1 << 16, "image region count");
        r.Fits(regions, RegionHeaderBytes, 0, "image region count");
        var segments = new List<ImageSegment>(regions);
        long total = 0;
        ulong previousEnd = Vm.Memory.PageSize;
        for (int i = 0; i < regions; i++)
        {
            uint address = r.U32(What.Of("region", i, "address"));
            uint length = r.U32(What.Of("region", i, "length"));
            uint flags = r.U32(What.Of("region", i, "flags"));
            uint stored = r.U32(What.Of("region", i, "stored length"));
            if ((address & 3) != 0 || (length & 3) != 0 || length == 0) throw new ReceiptFormatException($"image region {i}: address 0x{address:x8} and length {length} must be non-zero multiples of 4");
            if (address < previousEnd) throw new ReceiptFormatException($"image region {i} at 0x{address:x8} overlaps page 0 or the previous region, or is out of order");
            if ((ulong)address + length > 1UL << 32) throw new ReceiptFormatException($"image region {i} runs past the end of the address space");
            if (flags > 7) throw new ReceiptFormatException($"image region {i}: unknown flags {flags}");
            if (stored > length) throw new ReceiptFormatException($"image region {i}: {stored} stored bytes exceed its length {length}");
            total += length;
            if (total > MaxImageBytes) throw new ReceiptFormatException($"image larger than {MaxImageBytes} bytes");
            // Only the stored bytes are held; the zero rest of the region stays implicit (ImageSegment).
            var bytes = r.Bytes((int)stored, What.Of("region", i, "bytes"));
            segments.Add(new ImageSegment(address, length, bytes, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0));
            previousEnd = (ulong)address + length;
        }
        if (!segments.Any(s => s.Executable && s.Contains(entry)) || (entry & 3) != 0)
            throw new ReceiptFormatException($"entry pc 0x{entry:x8} is not an aligned address in an executable region");
        return new ProgramImage(entry, segments);
    }

    /// <summary>A field's name for error messages, formatted only when one is raised.</summary>
    private readonly struct What(string? item, int index, string field)
    {
        public static implicit operator What(string field) => new(null, 0, field);
        public static What Of(string item, int index, string field) => new(item, index, field);
        public override string ToString() => item is null ? field : $"{item} {index} {field}";
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public readonly bool AtEnd => _at == _bytes.Length;
        public readonly int Remaining => _bytes.Length - _at;
        public void Skip(int n) => _at += n;

        public ReadOnlySpan<byte> Bytes(int n, What what)
        {
            if (n < 0 || n > _bytes.Length - _at) throw new ReceiptFormatException($"truncated receipt: {what} needs {n} bytes, {_bytes.Length - _at} left");
            var s = _bytes.Slice(_at, n);
            _at += n;
            return s;
        }

        public byte U8(What what) => Bytes(1, what)[0];
        public ushort U16(What what) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2, what));
        public uint U32(What what) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, what));

        public long Clock(What what)
        {
            ulong v = BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8, what));
            if (v >= 1UL << 40) throw new ReceiptFormatException($"{what} {v} is beyond 2^40");
            return (long)v;
        }

        /// <summary>Refuses <paramref name="count"/> items of at least <paramref name="each"/> bytes (plus <paramref name="after"/> bytes that must follow) when fewer bytes are left.</summary>
        public readonly void Fits(int count, int each, int after, What what)
        {
            if ((long)count * each + after > Remaining)
                throw new ReceiptFormatException($"truncated receipt: {what} {count} needs at least {(long)count * each + after} more bytes ({each} per item), {Remaining} left");
        }

        public int Length(int max, What what)
        {
            uint v = U32(what);
            if (v > (uint)max) throw new ReceiptFormatException($"{what} {v} exceeds the limit {max}");
            return (int)v;
        }
    }
}
