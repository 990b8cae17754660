using System.Buffers.Binary;
using System.Text;
using Verity.Crypto;

namespace Verity.Vm;

/// <summary>
/// One loaded region of a program image. <see cref="Address"/> is the segment's virtual address rounded down to
/// a multiple of 4 and <see cref="Bytes"/> covers the segment's memory size (file bytes, then zero fill) padded
/// with zeros at both ends to whole words, so every region is word-aligned.
/// </summary>
public sealed class ImageSegment
{
    internal ImageSegment(uint address, byte[] bytes, bool readable, bool writable, bool executable)
    {
        Address = address;
        Bytes = bytes;
        Readable = readable;
        Writable = writable;
        Executable = executable;
    }

    public uint Address { get; }
    public byte[] Bytes { get; }
    public bool Readable { get; }
    public bool Writable { get; }
    public bool Executable { get; }

    /// <summary>Length in bytes (a multiple of 4).</summary>
    public uint Length => (uint)Bytes.Length;

    /// <summary>One past the last byte, as a 64-bit value (a region may end exactly at 2^32).</summary>
    public ulong End => (ulong)Address + (ulong)Bytes.Length;

    /// <summary>Flags as encoded in the image id: 1 = readable, 2 = writable, 4 = executable.</summary>
    public uint Flags => (Readable ? 1u : 0u) | (Writable ? 2u : 0u) | (Executable ? 4u : 0u);

    public bool Contains(uint address) => address >= Address && address < End;
}

/// <summary>
/// The initial state of a guest: entry pc and loaded regions (sorted by address, non-overlapping, word-aligned),
/// with its image id. Built by <see cref="ElfLoader.Load"/>.
/// </summary>
public sealed class ProgramImage
{
    /// <summary>The version tag at the start of the image-id encoding.</summary>
    public const string ImageIdTag = "verity.image.v1";

    internal ProgramImage(uint entryPc, IReadOnlyList<ImageSegment> segments)
    {
        EntryPc = entryPc;
        Segments = segments;
        ImageId = ComputeImageId(entryPc, segments);
    }

    public uint EntryPc { get; }
    public IReadOnlyList<ImageSegment> Segments { get; }

    /// <summary>BLAKE3 of <see cref="CanonicalEncoding"/> (see docs/ZKVM.md).</summary>
    public Digest ImageId { get; }

    /// <summary>
    /// The bytes hashed into the image id: the 15 ASCII bytes of <see cref="ImageIdTag"/>, entry pc (u32 LE),
    /// region count (u32 LE), then per region in address order: address (u32 LE), length (u32 LE),
    /// flags (u32 LE: 1 readable, 2 writable, 4 executable), then the region's bytes.
    /// </summary>
    public static byte[] CanonicalEncoding(uint entryPc, IReadOnlyList<ImageSegment> segments)
    {
        long total = ImageIdTag.Length + 8;
        foreach (ImageSegment s in segments) total += 12 + s.Bytes.Length;
        byte[] buffer = new byte[total];
        int at = Encoding.ASCII.GetBytes(ImageIdTag, buffer);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at), entryPc); at += 4;
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at), (uint)segments.Count); at += 4;
        foreach (ImageSegment s in segments)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at), s.Address); at += 4;
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at), s.Length); at += 4;
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(at), s.Flags); at += 4;
            s.Bytes.CopyTo(buffer, at); at += s.Bytes.Length;
        }
        return buffer;
    }

    private static Digest ComputeImageId(uint entryPc, IReadOnlyList<ImageSegment> segments) =>
        Blake3.Hash(CanonicalEncoding(entryPc, segments));

    /// <summary>The region containing <paramref name="address"/>, or null.</summary>
    public ImageSegment? SegmentAt(uint address)
    {
        foreach (ImageSegment s in Segments) if (s.Contains(address)) return s;
        return null;
    }
}
