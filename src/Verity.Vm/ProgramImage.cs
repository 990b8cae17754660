using System.Buffers.Binary;
using System.Text;
using Verity.Crypto;

namespace Verity.Vm;

/// <summary>
/// One loaded region of a program image. <see cref="Address"/> is the segment's virtual address rounded down to
/// a multiple of 4 and <see cref="Length"/> covers the segment's memory size padded to whole words at both ends.
/// Only the region's leading bytes are held (<see cref="Data"/>: the file bytes with the padding in front, without
/// trailing zeros); every byte from <c>Data.Length</c> to <see cref="Length"/> is zero and never materialised, so a
/// large zero-filled region (<c>.bss</c>, or a hostile declaration) costs memory in proportion to its stored bytes.
/// </summary>
public sealed class ImageSegment
{
    private readonly byte[] _data;

    /// <summary>
    /// A region of <paramref name="length"/> bytes holding <paramref name="data"/> at byte <paramref name="dataOffset"/>
    /// and zeros everywhere else. Only the prefix up to the last non-zero word is kept.
    /// </summary>
    internal ImageSegment(uint address, uint length, ReadOnlySpan<byte> data, bool readable, bool writable, bool executable, uint dataOffset = 0)
    {
        if ((address & 3) != 0 || (length & 3) != 0) throw new ArgumentException($"region 0x{address:x8}+{length} is not word-aligned");
        if ((ulong)dataOffset + (ulong)data.Length > length) throw new ArgumentException($"region 0x{address:x8}: {data.Length} bytes at offset {dataOffset} do not fit its length {length}");
        int n = data.Length;
        while (n > 0 && data[n - 1] == 0) n--;
        _data = n == 0 ? [] : new byte[(dataOffset + n + 3) & ~3u];
        data[..n].CopyTo(_data.AsSpan((int)dataOffset));
        Address = address;
        Length = length;
        Readable = readable;
        Writable = writable;
        Executable = executable;
    }

    public uint Address { get; }

    /// <summary>Length in bytes (a multiple of 4).</summary>
    public uint Length { get; }

    /// <summary>
    /// The region's leading bytes, a whole number of words ending in a non-zero word (empty for an all-zero region);
    /// the remaining <c>Length − Data.Length</c> bytes are zeros.
    /// </summary>
    public ReadOnlySpan<byte> Data => _data;

    public bool Readable { get; }
    public bool Writable { get; }
    public bool Executable { get; }

    /// <summary>One past the last byte, as a 64-bit value (a region may end exactly at 2^32).</summary>
    public ulong End => (ulong)Address + Length;

    /// <summary>Flags as encoded in the image id: 1 = readable, 2 = writable, 4 = executable.</summary>
    public uint Flags => (Readable ? 1u : 0u) | (Writable ? 2u : 0u) | (Executable ? 4u : 0u);

    public bool Contains(uint address) => address >= Address && address < End;

    /// <summary>The little-endian word at byte offset <paramref name="offset"/> (a multiple of 4 below <see cref="Length"/>).</summary>
    public uint WordAt(uint offset) =>
        offset < (uint)_data.Length ? BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan((int)offset)) : 0;
}

/// <summary>
/// The initial state of a guest: entry pc and loaded regions (sorted by address, non-overlapping, word-aligned),
/// with its image id. Built by <see cref="ElfLoader.Load"/>.
/// </summary>
public sealed class ProgramImage
{
    /// <summary>The version tag at the start of the image-id encoding.</summary>
    public const string ImageIdTag = "verity.image.v1";

    private readonly Lazy<Digest> _imageId;

    internal ProgramImage(uint entryPc, IReadOnlyList<ImageSegment> segments)
    {
        EntryPc = entryPc;
        Segments = segments;
        // Hashed on first use: a receipt decoder builds images before it has checked the rest of the bytes.
        _imageId = new Lazy<Digest>(() => ComputeImageId(entryPc, segments));
    }

    public uint EntryPc { get; }
    public IReadOnlyList<ImageSegment> Segments { get; }

    /// <summary>BLAKE3 of <see cref="CanonicalEncoding"/> (see docs/ZKVM.md), computed without materialising it.</summary>
    public Digest ImageId => _imageId.Value;

    /// <summary>
    /// The bytes hashed into the image id: the 15 ASCII bytes of <see cref="ImageIdTag"/>, entry pc (u32 LE),
    /// region count (u32 LE), then per region in address order: address (u32 LE), length (u32 LE),
    /// flags (u32 LE: 1 readable, 2 writable, 4 executable), then the region's bytes (zero tail included).
    /// Allocates the whole encoding; the image id itself streams it (<see cref="ImageId"/>).
    /// </summary>
    public static byte[] CanonicalEncoding(uint entryPc, IReadOnlyList<ImageSegment> segments)
    {
        long total = ImageIdTag.Length + 8;
        foreach (ImageSegment s in segments) total += 12 + s.Length;
        var sink = new ArraySink(new byte[total]);
        Encode(ref sink, entryPc, segments);
        return sink.Buffer;
    }

    private static Digest ComputeImageId(uint entryPc, IReadOnlyList<ImageSegment> segments)
    {
        var sink = new HashSink(new Blake3Hasher());
        Encode(ref sink, entryPc, segments);
        return sink.Hasher.FinalizeDigest();
    }

    /// <summary>Writes the canonical encoding to <paramref name="sink"/>, zero tails in pieces of at most 64 KiB.</summary>
    private static void Encode<TSink>(ref TSink sink, uint entryPc, IReadOnlyList<ImageSegment> segments) where TSink : struct, ISink
    {
        Span<byte> header = stackalloc byte[ImageIdTag.Length + 8];
        int at = Encoding.ASCII.GetBytes(ImageIdTag, header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[at..], entryPc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[(at + 4)..], (uint)segments.Count);
        sink.Write(header);
        Span<byte> region = stackalloc byte[12];
        foreach (ImageSegment s in segments)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(region, s.Address);
            BinaryPrimitives.WriteUInt32LittleEndian(region[4..], s.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(region[8..], s.Flags);
            sink.Write(region);
            sink.Write(s.Data);
            for (long zeros = s.Length - s.Data.Length; zeros > 0; zeros -= ZeroBlock.Length)
                sink.Write(ZeroBlock.AsSpan(0, (int)Math.Min(zeros, ZeroBlock.Length)));
        }
    }

    private static readonly byte[] ZeroBlock = new byte[64 * 1024];

    private interface ISink { void Write(ReadOnlySpan<byte> bytes); }

    private struct ArraySink(byte[] buffer) : ISink
    {
        public readonly byte[] Buffer = buffer;
        private int _at;
        public void Write(ReadOnlySpan<byte> bytes) { bytes.CopyTo(Buffer.AsSpan(_at)); _at += bytes.Length; }
    }

    private readonly struct HashSink(Blake3Hasher hasher) : ISink
    {
        public readonly Blake3Hasher Hasher = hasher;
        public void Write(ReadOnlySpan<byte> bytes) => Hasher.Update(bytes);
    }

    /// <summary>The region containing <paramref name="address"/>, or null.</summary>
    public ImageSegment? SegmentAt(uint address)
    {
        foreach (ImageSegment s in Segments) if (s.Contains(address)) return s;
        return null;
    }
}
