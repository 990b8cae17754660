using System.Buffers.Binary;
using Verity.Crypto;
using Verity.Vm;
using Verity.Vm.Tests;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;
using static Verity.Vm.Tests.ElfBuilder;
using A = Verity.Vm.Tests.Rv32Assembler;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests;

/// <summary>
/// Decoding untrusted receipt bytes costs memory in proportion to the bytes present, whatever the receipt declares.
/// Allocation is measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/> (the decoder runs on the calling
/// thread), which is exact and does not depend on timing or on other tests.
/// </summary>
public class ReceiptCodecTests
{
    private const long AllocationBound = 16 << 20;

    /// <summary>Everything up to and including the segment count; one executable region of <paramref name="regionLength"/> bytes, none stored.</summary>
    private static List<byte> Header(uint regionLength, uint segmentCount, uint regions = 1)
    {
        var b = new List<byte>();
        void U32(uint v) { var s = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(s, v); b.AddRange(s); }
        b.AddRange("VRCT"u8.ToArray());
        b.AddRange([1, 0]);                    // version
        b.AddRange(new byte[64]);              // image id, input digest
        U32(0);                                // exit code
        U32(0);                                // journal length
        U32(0x10000);                          // entry pc
        U32(regions);
        for (uint i = 0; i < regions; i++)
        {
            U32(0x10000 + i * regionLength);   // address
            U32(regionLength);
            U32(5);                            // R|X
            U32(0);                            // stored: nothing, the region is all zeros
        }
        U32(0);                                // input length
        U32(0);                                // input consumed
        b.Add(5);                              // po2
        U32(segmentCount);
        return b;
    }

    private static (string Message, long Allocated) Decode(byte[] bytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ReceiptFormatException>(() => ReceiptCodec.Deserialize(bytes));
        return (e.Message, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void HostileReceiptOf115BytesIsRefusedWithoutAllocatingWhatItDeclares()
    {
        // 256 MiB zero-filled image region and 2^20 segments in 115 bytes: this used to cost about 550 MiB and
        // seconds of hashing before "truncated".
        byte[] bytes = [.. Header(256u << 20, 1u << 20)];
        Assert.Equal(115, bytes.Length);
        var (message, allocated) = Decode(bytes);
        Assert.Contains("segment count 1048576", message);
        Assert.Contains("0 left", message);
        Assert.True(allocated < AllocationBound, $"decoding allocated {allocated} bytes");
    }

    [Fact]
    public void ImageAtTheOneGibLimitCostsNothingToDecode()
    {
        // Four 256 MiB zero regions: the whole 1 GiB image limit, declared in a few bytes.
        byte[] bytes = [.. Header(256u << 20, 1u << 20, regions: 4)];
        var (message, allocated) = Decode(bytes);
        Assert.Contains("segment count", message);
        Assert.True(allocated < AllocationBound, $"decoding allocated {allocated} bytes");
        // One byte more than the limit is refused outright.
        var (over, _) = Decode([.. Header((256u << 20) + 4, 1, regions: 4)]);
        Assert.Contains("image larger than", over);
    }

    [Fact]
    public void SegmentCountBeyondTheBytesPresentIsRefused()
    {
        // 2^20 segments need at least 28 MiB of headers; 1 MiB of bytes follows.
        byte[] bytes = [.. Header(4096, 1u << 20), .. new byte[1 << 20]];
        var (message, allocated) = Decode(bytes);
        Assert.Contains("segment count 1048576 needs at least", message);
        Assert.True(allocated < AllocationBound, $"decoding allocated {allocated} bytes");
        // Over the format's limit altogether.
        Assert.Contains("exceeds the limit", Decode([.. Header(4096, (1u << 20) + 1)]).Message);
    }

    [Fact]
    public void RegionCountBeyondTheBytesPresentIsRefused()
    {
        var bytes = Header(4096, 1).Take(82).ToList(); // up to the entry pc
        bytes.AddRange([0x00, 0x00, 0x01, 0x00]);      // 65536 regions, none present
        var (message, allocated) = Decode([.. bytes]);
        Assert.Contains("image region count 65536 needs at least", message);
        Assert.True(allocated < AllocationBound, $"decoding allocated {allocated} bytes");
    }

    [Fact]
    public void HugeProofLengthsAndCountsAreRefused()
    {
        // A segment proof declaring 2 GiB of bytes.
        var b = Header(4096, 1);
        b.AddRange(new byte[24]);                         // segment 0 header
        b.AddRange([0xff, 0xff, 0xff, 0x7f]);             // proof length 2^31 - 1
        b.AddRange(new byte[64]);
        var (message, allocated) = Decode([.. b]);
        Assert.Contains("segment 0 proof needs 2147483647 bytes", message);
        Assert.True(allocated < AllocationBound, $"decoding allocated {allocated} bytes");

        // A segment proof whose OOD value count is the codec's maximum (2^24 extension elements, 384 MiB).
        var proof = new List<byte>();
        proof.AddRange("VSTK"u8.ToArray());
        proof.AddRange(BitConverter.GetBytes(Verity.Stark.Air.Proofs.StarkProof.FormatVersion)); // format version
        proof.AddRange(new byte[64]);                     // parameter fingerprint, AIR identity
        proof.Add(1);                                     // one table
        proof.AddRange([10, 0]);                          // log height, no flags
        proof.AddRange(new byte[64]);                     // main root, composition root
        proof.AddRange([0x00, 0x00, 0x00, 0x01]);         // 2^24 OOD values
        proof.AddRange(new byte[256]);
        b = Header(4096, 1);
        b.AddRange(new byte[24]);
        b.AddRange(BitConverter.GetBytes(proof.Count));
        b.AddRange(proof);
        b.AddRange(new byte[4]);                          // empty memory proof
        (message, allocated) = Decode([.. b]);
        Assert.Contains("segment 0 proof: Proof declares 16777216 items", message);
        Assert.True(allocated < AllocationBound, $"decoding allocated {allocated} bytes");
    }

    [Fact]
    public void LargeZeroFillIsImplicitAndTheImageIdStreamsIt()
    {
        // 64 MiB of .bss and a read-only region with a zero tail: the image holds only the stored bytes, and the
        // streamed image id equals BLAKE3 of the documented (materialised) encoding.
        byte[] elf = new ElfBuilder()
            .Add(0x10000, new A().Exit(0).ToBytes(), R | X)
            .Add(0x20001, [7, 0, 0, 0, 9], R, 0x10000 + 3)
            .Add(0x40000, [1, 2, 3], R | W, 64u << 20)
            .Build();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var image = ElfLoader.Load(elf);
        _ = image.ImageId;
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < AllocationBound);
        Assert.Equal(64u << 20, image.Segments[2].Length);
        Assert.Equal(4, image.Segments[2].Data.Length);
        Assert.Equal(0x20000u, image.Segments[1].Address);
        Assert.Equal(0x10004u, image.Segments[1].Length);
        Assert.Equal(new byte[] { 0, 7, 0, 0, 0, 9, 0, 0 }, image.Segments[1].Data.ToArray());
        Assert.Equal(Blake3.Hash(ProgramImage.CanonicalEncoding(image.EntryPc, image.Segments)), image.ImageId);
    }

    [Fact]
    public void ReceiptForAProgramWithLargeZeroFillRoundTripsAndVerifies()
    {
        // The guest writes into its 16 MiB .bss and reads a read-only zero tail; the proof covers both.
        var asm = new A()
            .Li(A.S0, 0x40000 + (8u << 20))
            .Li(A.T0, 77)
            .Sw(A.T0, A.S0, 0)
            .Li(A.S1, 0x20010)
            .Lw(A.T1, A.S1, 0)
            .Exit(0);
        byte[] elf = new ElfBuilder { Entry = asm.Base }
            .Add(asm.Base, asm.ToBytes(), R | X)
            .Add(0x20000, [5, 6, 7, 8], R, 0x40)
            .Add(0x40000, [1, 2, 3], R | W, 16u << 20)
            .Build();
        var image = ElfLoader.Load(elf);
        var receipt = Prove(image, po2: 5);
        var bytes = ReceiptCodec.Serialize(receipt);
        Assert.True(bytes.Length < 4 << 20);
        var decoded = ReceiptCodec.Deserialize(bytes);
        Assert.Equal(image.ImageId, decoded.Image.ImageId);
        Assert.Equal(bytes, ReceiptCodec.Serialize(decoded));
        var v = ZkvmVerifier.Verify(bytes, image.ImageId, Parameters, Options);
        Assert.True(v.IsValid, v.Error);
    }
}
