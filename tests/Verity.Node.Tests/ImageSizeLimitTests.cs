using System.Buffers.Binary;
using System.Net;
using Verity.Cluster.Protocol;
using Verity.Vm;

namespace Verity.Node.Tests;

/// <summary>Runs alone: it reads the process's allocation counter, which other tests' requests would disturb.</summary>
[CollectionDefinition(nameof(ImageSizeLimitTests), DisableParallelization = true)]
public sealed class ImageSizeLimitCollection;

/// <summary>Broker:MaxImageMemoryBytes: the memory an uploaded ELF may declare, checked before anything is hashed or stored.</summary>
[Collection(nameof(ImageSizeLimitTests))]
public sealed class ImageSizeLimitTests
{
    /// <summary>88 bytes: the ELF header, one executable PT_LOAD at 0x10000 with 4 file bytes (an ecall) and p_memsz <paramref name="memSize"/>.</summary>
    internal static byte[] TinyElf(uint memSize)
    {
        var f = new byte[88];
        f[0] = 0x7F; f[1] = (byte)'E'; f[2] = (byte)'L'; f[3] = (byte)'F';
        f[4] = 1; f[5] = 1; f[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(16), 2);     // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(18), 243);   // EM_RISCV
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(24), 0x10000); // entry
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(28), 52);      // phoff
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(40), 52);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(42), 32);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(44), 1);
        Span<byte> ph = f.AsSpan(52, 32);
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);              // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 84);        // offset
        BinaryPrimitives.WriteUInt32LittleEndian(ph[8..], 0x10000);   // vaddr
        BinaryPrimitives.WriteUInt32LittleEndian(ph[12..], 0x10000);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[16..], 4);        // filesz
        BinaryPrimitives.WriteUInt32LittleEndian(ph[20..], memSize);  // memsz
        BinaryPrimitives.WriteUInt32LittleEndian(ph[24..], 5);        // R | X
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(84), 0x00000073); // ecall
        return f;
    }

    [Fact]
    public async Task An_88_byte_elf_declaring_1_GiB_is_413_naming_the_segment_and_the_limit()
    {
        await using var node = await TestNode.StartAsync();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        using var response = await node.SendAsync(HttpMethod.Post, "/v1/images", TestNode.Bytes(TinyElf(1u << 30)));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        string error = await TestNode.ErrorOf(response);
        Assert.Contains("Broker:MaxImageMemoryBytes", error);
        Assert.Contains("declare 1073741824 bytes of memory, more than the image limit of 268435456 bytes", error);
        Assert.Contains("segment 0 at 0x00010000", error);
        Assert.Equal(0, await node.BlobCountAsync("images/"));
        Assert.True(allocated < 64L << 20, $"refusing the upload allocated {allocated} bytes");
    }

    [Fact]
    public async Task Under_a_raised_limit_it_is_stored_allocating_in_proportion_to_its_88_bytes()
    {
        await using var node = await TestNode.StartAsync(o => o with { Broker = o.Broker with { MaxImageMemoryBytes = ElfLoader.MaxImageBytes } });
        byte[] elf = TinyElf(1u << 30);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        using var response = await node.SendAsync(HttpMethod.Post, "/v1/images", TestNode.Bytes(elf));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var uploaded = await TestNode.ReadAsync<ImageUploaded>(response);
        Assert.Equal(88, uploaded.Bytes);
        Assert.Equal(ElfLoader.Load(elf, ElfLoader.MaxImageBytes).ImageId.ToHex(), uploaded.ImageId);
        // Before zero tails were implicit this copied and hashed 2 GiB.
        Assert.True(allocated < 64L << 20, $"storing the upload allocated {allocated} bytes");
    }
}
