using Verity.Crypto;
using System.Buffers.Binary;
using static Verity.Vm.Tests.ElfBuilder;

namespace Verity.Vm.Tests;

public class ElfLoaderTests
{
    private static byte[] Code => new Rv32Assembler().Exit(0).ToBytes();

    private static ElfBuilder Valid() => new ElfBuilder().Add(0x10000, Code, R | X).Add(0x20000, [1, 2, 3], R | W, 0x100);

    private static string Bad(byte[] file, long limit = ElfLoader.MaxImageBytes) => Assert.ThrowsAny<ElfFormatException>(() => ElfLoader.Load(file, limit)).Message;
    private static string Bad(ElfBuilder b) => Bad(b.Build());

    [Fact]
    public void LoadsAValidFile()
    {
        ProgramImage img = ElfLoader.Load(Valid().Build());
        Assert.Equal(0x10000u, img.EntryPc);
        Assert.Equal(2, img.Segments.Count);
        Assert.True(img.Segments[0].Executable);
        Assert.False(img.Segments[0].Writable);
        Assert.Equal(0x20000u, img.Segments[1].Address);
        Assert.Equal(0x100u, img.Segments[1].Length);
        Assert.Equal(new byte[] { 1, 2, 3, 0 }, img.Segments[1].Data.ToArray());
        Assert.Equal(0, Executor.Run(img, []).ExitCode);
    }

    [Fact]
    public void UnalignedSegmentIsWidenedToWords()
    {
        ProgramImage img = ElfLoader.Load(new ElfBuilder().Add(0x10000, Code, R | X).Add(0x20001, [9, 9], R | W, 5).Build());
        Assert.Equal(0x20000u, img.Segments[1].Address);
        Assert.Equal(8u, img.Segments[1].Length);
        Assert.Equal(new byte[] { 0, 9, 9, 0 }, img.Segments[1].Data.ToArray()); // the zero word after it is implicit
        Assert.Equal(0x00090900u, img.Segments[1].WordAt(0));
        Assert.Equal(0u, img.Segments[1].WordAt(4));
    }

    [Fact]
    public void ZeroFillUpToTheImageLimitIsNotMaterialised()
    {
        // A few hundred bytes of file declaring a .bss of almost 1 GiB: legitimate, but the zero fill stays implicit
        // (loading, hashing the image id and running allocate nothing for it). Measured with the calling thread's
        // allocation counter, which is exact.
        uint bss = (uint)(ElfLoader.MaxImageBytes - 4096);
        byte[] file = new ElfBuilder().Add(0x10000, Code, R | X).Add(0x20000, [1, 2, 3], R | W, bss).Build();
        long before = GC.GetAllocatedBytesForCurrentThread();
        ProgramImage img = ElfLoader.Load(file, ElfLoader.MaxImageBytes);
        Digest id = img.ImageId;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1 << 20, $"loading allocated {allocated} bytes");
        Assert.Equal(bss, img.Segments[1].Length);
        Assert.Equal(new byte[] { 1, 2, 3, 0 }, img.Segments[1].Data.ToArray());
        Assert.Equal(0, Executor.Run(img, []).ExitCode);

        // One byte over the limit, and a bad file declaring a huge segment, fail before allocating anything large.
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("more than the image limit", Bad(new ElfBuilder().Add(0x10000, Code, R | X).Add(0x20000, [1], R | W, bss + 4097)));
        Assert.Contains("not inside an executable PT_LOAD segment", Bad(new ElfBuilder { Entry = 0x20000 }.Add(0x10000, Code, R | X).Add(0x20000, [1], R | W, bss)));
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1 << 20, $"refusing allocated {allocated} bytes");
    }

    /// <summary>The 88-byte ELF: one executable PT_LOAD of 4 file bytes (an ecall) declaring 1 GiB of memory.</summary>
    internal static byte[] TinyElfDeclaring(uint memSize) =>
        new ElfBuilder().Add(0x10000, new Rv32Assembler().Ecall().ToBytes(), R | X, memSize).Build();

    [Fact]
    public void DeclaredImageSizeOverTheLimitIsRefusedNamingTheSegmentAndSizes()
    {
        byte[] file = TinyElfDeclaring(1u << 30);
        Assert.Equal(88, file.Length);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ElfImageTooLargeException>(() => ElfLoader.Load(file));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1 << 20, $"refusing allocated {allocated} bytes");
        Assert.Equal(1L << 30, e.DeclaredBytes);
        Assert.Equal(ElfLoader.DefaultMaxImageBytes, e.LimitBytes);
        Assert.Contains("declare 1073741824 bytes of memory, more than the image limit of 268435456 bytes", e.Message);
        Assert.Contains("segment 0 at 0x00010000, declares p_memsz 1073741824 bytes with p_filesz 4", e.Message);

        // The limit is the caller's: a smaller one refuses a smaller image, the format's own takes this one.
        Assert.Contains("more than the image limit of 4096 bytes", Bad(TinyElfDeclaring(8192), limit: 4096));
        Assert.Equal(1u << 30, ElfLoader.Load(file, ElfLoader.MaxImageBytes).Segments[0].Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => ElfLoader.Load(file, ElfLoader.MaxImageBytes + 1));
    }

    [Fact]
    public void ImageIdIsDeterministicAndBindsContent()
    {
        Digest a = ElfLoader.Load(Valid().Build()).ImageId;
        Assert.Equal(a, ElfLoader.Load(Valid().Build()).ImageId);
        ElfBuilder other = Valid();
        other.Segments[1] = other.Segments[1] with { Data = [1, 2, 4] };
        Assert.NotEqual(a, ElfLoader.Load(other.Build()).ImageId);
        ElfBuilder bss = Valid();
        bss.Segments[1] = bss.Segments[1] with { MemSize = 0x104 };
        Assert.NotEqual(a, ElfLoader.Load(bss.Build()).ImageId);
        ElfBuilder entry = new ElfBuilder { Entry = 0x10004 }.Add(0x10000, Code, R | X).Add(0x20000, [1, 2, 3], R | W, 0x100);
        Assert.NotEqual(a, ElfLoader.Load(entry.Build()).ImageId);
    }

    [Fact]
    public void ImageIdMatchesTheDocumentedEncoding()
    {
        ProgramImage img = ElfLoader.Load(new ElfBuilder().Add(0x10000, [0x73, 0, 0, 0], R | X).Build());
        byte[] expected =
        [
            .. "verity.image.v1"u8,
            0x00, 0x00, 0x01, 0x00,   // entry 0x10000
            0x01, 0x00, 0x00, 0x00,   // one region
            0x00, 0x00, 0x01, 0x00,   // address
            0x04, 0x00, 0x00, 0x00,   // length
            0x05, 0x00, 0x00, 0x00,   // flags R|X
            0x73, 0x00, 0x00, 0x00,
        ];
        Assert.Equal(expected, ProgramImage.CanonicalEncoding(img.EntryPc, img.Segments));
        Assert.Equal(Verity.Crypto.Blake3.Hash(expected), img.ImageId);
    }

    [Fact]
    public void TruncatedFilesFail()
    {
        byte[] f = Valid().Build();
        Assert.Contains("bad magic", Bad(f[..0]));
        Assert.Contains("bad magic", Bad(f[..3]));
        Assert.Contains("truncated ELF identification", Bad(f[..10]));
        Assert.Contains("truncated ELF header", Bad(f[..40]));
        Assert.Contains("truncated program header table", Bad(f[..60]));
        Assert.Contains("truncated file: PT_LOAD segment", Bad(f[..(52 + 64 + 4)]));
        Assert.Contains("truncated file", Bad(f[..^1]));
    }

    [Fact]
    public void BadMagicFails()
    {
        byte[] f = Valid().Build();
        f[1] = (byte)'X';
        Assert.Contains("bad magic 7f584c46", Bad(f));
    }

    [Fact]
    public void WrongMachineFails()
    {
        ElfBuilder b = Valid();
        b.Machine = 62;
        Assert.Contains("wrong machine 62 (expected 243 = EM_RISCV)", Bad(b));
    }

    [Fact]
    public void SixtyFourBitFails()
    {
        byte[] f = Valid().Build();
        f[4] = 2;
        Assert.Contains("64-bit", Bad(f));
    }

    [Fact]
    public void BigEndianFails()
    {
        byte[] f = Valid().Build();
        f[5] = 2;
        Assert.Contains("big-endian", Bad(f));
    }

    [Fact]
    public void NotAnExecutableFails()
    {
        byte[] f = Valid().Build();
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(16), 1);
        Assert.Contains("bad ELF type 1", Bad(f));
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(16), 3);
        Assert.Contains("ET_DYN", Bad(f));
    }

    [Fact]
    public void CompressedInstructionFlagFails()
    {
        ElfBuilder b = Valid();
        b.Flags = 1;
        Assert.Contains("EF_RISCV_RVC", Bad(b));
    }

    [Fact]
    public void EntryOutsideCodeFails()
    {
        Assert.Contains("entry point 0x00020000 is not inside an executable", Bad(new ElfBuilder { Entry = 0x20000 }.Add(0x10000, Code, R | X).Add(0x20000, [0, 0, 0, 0], R | W)));
        Assert.Contains("entry point 0x00050000 is not inside", Bad(new ElfBuilder { Entry = 0x50000 }.Add(0x10000, Code, R | X)));
        Assert.Contains("entry point 0x00010002 is not 4-byte aligned", Bad(new ElfBuilder { Entry = 0x10002 }.Add(0x10000, Code, R | X)));
    }

    [Fact]
    public void OverlappingSegmentsFail()
    {
        Assert.Contains("overlap", Bad(new ElfBuilder().Add(0x10000, Code, R | X).Add(0x10008, [1, 2, 3, 4], R | W)));
        Assert.Contains("overlap", Bad(new ElfBuilder().Add(0x20000, [1], R | W, 0x2000).Add(0x10000, Code, R | X).Add(0x21000, [1], R | W)));
        Assert.Contains("share the word at 0x00020004", Bad(new ElfBuilder().Add(0x10000, Code, R | X).Add(0x20000, [1, 2, 3, 4, 5], R | W).Add(0x20006, [1], R | W)));
    }

    [Fact]
    public void SegmentInPageZeroFails() =>
        Assert.Contains("maps page 0", Bad(new ElfBuilder().Add(0x10000, Code, R | X).Add(0x800, [1], R | W)));

    [Fact]
    public void FileSizeAboveMemorySizeFails() =>
        Assert.Contains("p_filesz 0x4 > p_memsz 0x2", Bad(new ElfBuilder().Add(0x10000, Code, R | X).Add(0x20000, [1, 2, 3, 4], R | W, 2)));

    [Fact]
    public void WrappingSegmentFails() =>
        Assert.Contains("wraps past the end", Bad(new ElfBuilder().Add(0x10000, Code, R | X).Add(0xFFFFF000, [1], R | W, 0x2000)));

    [Fact]
    public void NoLoadableSegmentFails() =>
        Assert.Contains("no PT_LOAD", Bad(new ElfBuilder().Add(0x10000, [], R | X)));

    [Fact]
    public void DynamicExecutableFails()
    {
        ElfBuilder b = Valid();
        b.Segments.Add(new Seg(0, [], 0, R, Type: 3));
        Assert.Contains("PT_INTERP", Bad(b));
    }

    [Fact]
    public void NonLoadSegmentsAreIgnored()
    {
        ElfBuilder b = Valid();
        b.Segments.Add(new Seg(0, [1, 2], 0, R, Type: 0x70000003)); // PT_RISCV_ATTRIBUTES
        Assert.Equal(2, ElfLoader.Load(b.Build()).Segments.Count);
    }

    [Fact]
    public void RandomCorruptionNeverCrashesTheLoader()
    {
        byte[] good = Valid().Build();
        var rng = new Random(1);
        for (int i = 0; i < 300; i++)
        {
            byte[] f = (byte[])good.Clone();
            int n = rng.Next(1, 4);
            for (int k = 0; k < n; k++) f[rng.Next(f.Length)] = (byte)rng.Next(256);
            if (rng.Next(4) == 0) f = f[..rng.Next(f.Length)];
            try { ElfLoader.Load(f); }
            catch (ElfFormatException) { }
        }
    }
}
