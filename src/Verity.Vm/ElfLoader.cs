using System.Buffers.Binary;

namespace Verity.Vm;

/// <summary>A malformed or unsupported ELF file; the message names the problem and the offending value.</summary>
public class ElfFormatException : Exception
{
    public ElfFormatException(string message) : base(message) { }
}

/// <summary>
/// A well-formed ELF whose segments declare more memory (the sum of <c>p_memsz</c>) than the loader was allowed;
/// the message names the largest segment and the sizes.
/// </summary>
public sealed class ElfImageTooLargeException(string message, long declaredBytes, long limitBytes) : ElfFormatException(message)
{
    /// <summary>The memory all PT_LOAD segments declare together.</summary>
    public long DeclaredBytes { get; } = declaredBytes;

    /// <summary>The limit it exceeds.</summary>
    public long LimitBytes { get; } = limitBytes;
}

/// <summary>Loads static ELF32 little-endian RISC-V executables (see docs/ZKVM.md for the checks).</summary>
public static class ElfLoader
{
    public const ushort EmRiscV = 243;
    public const uint PageSize = 4096;
    /// <summary>The format's upper bound on the total memory size (sum of <c>p_memsz</c>) of all loaded segments.</summary>
    public const long MaxImageBytes = 1L << 30;

    /// <summary>
    /// The default bound on the declared image size: 256 MiB, the largest span of executable code the executor
    /// takes, and a quarter of the guest's default memory limit. Zero fill costs no memory, but hashing the image id
    /// and proving read-only and executable regions take time and memory in proportion to the declared size, so a
    /// node refuses more than it is configured for (<c>Broker:MaxImageMemoryBytes</c>, <c>--max-image-bytes</c>).
    /// </summary>
    public const long DefaultMaxImageBytes = 256L << 20;

    private const int EhdrSize = 52;
    private const int PhdrSize = 32;
    private const uint PtLoad = 1, PtDynamic = 2, PtInterp = 3;
    private const uint PfX = 1, PfW = 2, PfR = 4;
    private const uint EfRiscvRvc = 1;

    private readonly record struct RawSegment(int Index, uint VAddr, uint Offset, uint FileSize, uint MemSize, uint Flags)
    {
        public ulong End => (ulong)VAddr + MemSize;
        public ulong AlignedStart => VAddr & ~3u;
        public ulong AlignedEnd => (End + 3) & ~3ul;
    }

    /// <summary>Loads an ELF whose segments declare at most <see cref="DefaultMaxImageBytes"/> of memory.</summary>
    public static ProgramImage Load(ReadOnlySpan<byte> file) => Load(file, DefaultMaxImageBytes);

    /// <summary>Loads an ELF whose segments declare at most <paramref name="maxImageBytes"/> (≤ <see cref="MaxImageBytes"/>) of memory.</summary>
    /// <exception cref="ElfImageTooLargeException">The segments declare more.</exception>
    /// <exception cref="ElfFormatException">The file is malformed or unsupported.</exception>
    public static ProgramImage Load(ReadOnlySpan<byte> file, long maxImageBytes)
    {
        if (maxImageBytes is < 1 or > MaxImageBytes)
            throw new ArgumentOutOfRangeException(nameof(maxImageBytes), maxImageBytes, $"the image limit must be in 1..{MaxImageBytes}");
        if (file.Length < 4 || file[0] != 0x7F || file[1] != (byte)'E' || file[2] != (byte)'L' || file[3] != (byte)'F')
            throw new ElfFormatException($"not an ELF file: bad magic {Convert.ToHexStringLower(file[..Math.Min(4, file.Length)])} (expected 7f454c46)");
        if (file.Length < 16)
            throw new ElfFormatException($"truncated ELF identification: file is {file.Length} bytes, e_ident needs 16");
        byte cls = file[4];
        if (cls == 2) throw new ElfFormatException("64-bit ELF (ELFCLASS64) is not supported; build for rv32im (-march=rv32im -mabi=ilp32)");
        if (cls != 1) throw new ElfFormatException($"bad ELF class {cls} (expected 1 = ELFCLASS32)");
        byte data = file[5];
        if (data == 2) throw new ElfFormatException("big-endian ELF (ELFDATA2MSB) is not supported; RISC-V executables are little-endian");
        if (data != 1) throw new ElfFormatException($"bad ELF data encoding {data} (expected 1 = ELFDATA2LSB)");
        if (file[6] != 1) throw new ElfFormatException($"bad ELF identification version {file[6]} (expected 1)");
        if (file.Length < EhdrSize)
            throw new ElfFormatException($"truncated ELF header: file is {file.Length} bytes, the ELF32 header needs {EhdrSize}");

        ushort type = U16(file, 16);
        if (type == 3) throw new ElfFormatException("ELF type 3 (ET_DYN, position-independent or shared object) is not supported; link a static executable (ET_EXEC)");
        if (type != 2) throw new ElfFormatException($"bad ELF type {type} (expected 2 = ET_EXEC)");
        ushort machine = U16(file, 18);
        if (machine != EmRiscV) throw new ElfFormatException($"wrong machine {machine} (expected {EmRiscV} = EM_RISCV)");
        uint version = U32(file, 20);
        if (version != 1) throw new ElfFormatException($"bad ELF version {version} (expected 1)");
        uint entry = U32(file, 24);
        uint phoff = U32(file, 28);
        uint flags = U32(file, 36);
        if ((flags & EfRiscvRvc) != 0)
            throw new ElfFormatException($"e_flags 0x{flags:x} has EF_RISCV_RVC (compressed instructions), which this machine does not execute; build with -march=rv32im");
        ushort phentsize = U16(file, 42);
        ushort phnum = U16(file, 44);
        if (phnum == 0) throw new ElfFormatException("no program headers (e_phnum = 0): nothing to load");
        if (phentsize != PhdrSize) throw new ElfFormatException($"bad program header entry size {phentsize} (expected {PhdrSize})");
        ulong phEnd = (ulong)phoff + (ulong)phnum * PhdrSize;
        if (phEnd > (ulong)file.Length)
            throw new ElfFormatException($"truncated program header table: {phnum} entries at offset 0x{phoff:x} end at 0x{phEnd:x}, past the end of the file (0x{file.Length:x} bytes)");

        var loads = new List<RawSegment>();
        long totalMem = 0;
        for (int i = 0; i < phnum; i++)
        {
            ReadOnlySpan<byte> ph = file.Slice((int)(phoff + (uint)i * PhdrSize), PhdrSize);
            uint ptype = U32(ph, 0);
            if (ptype == PtDynamic || ptype == PtInterp)
                throw new ElfFormatException($"program header {i} has type {ptype} ({(ptype == PtDynamic ? "PT_DYNAMIC" : "PT_INTERP")}): dynamically linked executables are not supported");
            if (ptype != PtLoad) continue;
            var s = new RawSegment(i, U32(ph, 8), U32(ph, 4), U32(ph, 16), U32(ph, 20), U32(ph, 24));
            if (s.FileSize > s.MemSize)
                throw new ElfFormatException($"PT_LOAD segment {i} at 0x{s.VAddr:x8}: p_filesz 0x{s.FileSize:x} > p_memsz 0x{s.MemSize:x}");
            if ((ulong)s.Offset + s.FileSize > (ulong)file.Length)
                throw new ElfFormatException($"truncated file: PT_LOAD segment {i} at 0x{s.VAddr:x8} needs file bytes [0x{s.Offset:x}, 0x{(ulong)s.Offset + s.FileSize:x}) but the file has 0x{file.Length:x} bytes");
            if (s.MemSize == 0) continue;
            if (s.End > 1ul << 32)
                throw new ElfFormatException($"PT_LOAD segment {i} at 0x{s.VAddr:x8} with p_memsz 0x{s.MemSize:x} wraps past the end of the 32-bit address space");
            if (s.VAddr < PageSize)
                throw new ElfFormatException($"PT_LOAD segment {i} at 0x{s.VAddr:x8} maps page 0 [0x0, 0x{PageSize:x}), which is never mapped");
            totalMem += s.MemSize;
            loads.Add(s);
        }
        if (loads.Count == 0) throw new ElfFormatException("no PT_LOAD segment with a non-zero memory size");
        if (totalMem > maxImageBytes)
        {
            // Checked on the declared sizes alone, before anything is copied or hashed.
            RawSegment largest = loads.MaxBy(s => s.MemSize);
            throw new ElfImageTooLargeException(
                $"the PT_LOAD segments declare {totalMem} bytes of memory, more than the image limit of {maxImageBytes} bytes " +
                $"(the largest, segment {largest.Index} at 0x{largest.VAddr:x8}, declares p_memsz {largest.MemSize} bytes with p_filesz {largest.FileSize})",
                totalMem, maxImageBytes);
        }

        loads.Sort((a, b) => a.VAddr.CompareTo(b.VAddr));
        for (int k = 1; k < loads.Count; k++)
        {
            RawSegment a = loads[k - 1], b = loads[k];
            if (a.End > b.VAddr)
                throw new ElfFormatException($"PT_LOAD segments {a.Index} [0x{a.VAddr:x8}, 0x{a.End:x8}) and {b.Index} [0x{b.VAddr:x8}, 0x{b.End:x8}) overlap");
            if (a.AlignedEnd > b.AlignedStart)
                throw new ElfFormatException($"PT_LOAD segments {a.Index} and {b.Index} share the word at 0x{b.AlignedStart:x8}; segments must not share a 4-byte word");
        }

        if ((entry & 3) != 0) throw new ElfFormatException($"entry point 0x{entry:x8} is not 4-byte aligned");
        bool entryOk = false;
        foreach (RawSegment s in loads)
            if ((s.Flags & PfX) != 0 && entry >= s.VAddr && entry < s.End) entryOk = true;
        if (!entryOk) throw new ElfFormatException($"entry point 0x{entry:x8} is not inside an executable PT_LOAD segment");

        var segments = new List<ImageSegment>(loads.Count);
        foreach (RawSegment s in loads)
        {
            // Only the file bytes (with the word padding in front) are held; the zero fill up to p_memsz stays
            // implicit, so a small file declaring a large p_memsz costs no memory for it.
            uint start = (uint)s.AlignedStart;
            segments.Add(new ImageSegment(start, (uint)(s.AlignedEnd - s.AlignedStart), file.Slice((int)s.Offset, (int)s.FileSize),
                (s.Flags & PfR) != 0, (s.Flags & PfW) != 0, (s.Flags & PfX) != 0, dataOffset: s.VAddr - start));
        }
        return new ProgramImage(entry, segments);
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);
    private static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);
}
