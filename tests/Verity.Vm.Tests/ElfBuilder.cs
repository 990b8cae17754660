using System.Buffers.Binary;

namespace Verity.Vm.Tests;

/// <summary>Writes ELF32 little-endian RISC-V executables with the given PT_LOAD segments (for tests).</summary>
public sealed class ElfBuilder
{
    public const uint R = 4, W = 2, X = 1;

    public sealed record Seg(uint VAddr, byte[] Data, uint MemSize, uint Flags, uint Type = 1);

    public uint Entry { get; set; } = 0x10000;
    public List<Seg> Segments { get; } = [];
    public ushort Machine { get; set; } = 243;
    public uint Flags { get; set; }

    public ElfBuilder Add(uint vaddr, byte[] data, uint flags, uint? memSize = null)
    {
        Segments.Add(new Seg(vaddr, data, memSize ?? (uint)data.Length, flags));
        return this;
    }

    /// <summary>Header (52 bytes), program headers (32 bytes each), then segment data in order.</summary>
    public byte[] Build()
    {
        int phoff = 52;
        int dataAt = phoff + 32 * Segments.Count;
        int total = dataAt + Segments.Sum(s => s.Data.Length);
        var f = new byte[total];
        f[0] = 0x7F; f[1] = (byte)'E'; f[2] = (byte)'L'; f[3] = (byte)'F';
        f[4] = 1; f[5] = 1; f[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(16), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(18), Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(24), Entry);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(28), (uint)phoff);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(36), Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(40), 52);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(42), 32);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(44), (ushort)Segments.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(46), 40);
        int at = dataAt;
        for (int i = 0; i < Segments.Count; i++)
        {
            Seg s = Segments[i];
            Span<byte> ph = f.AsSpan(phoff + 32 * i, 32);
            BinaryPrimitives.WriteUInt32LittleEndian(ph, s.Type);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], (uint)at);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[8..], s.VAddr);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[12..], s.VAddr);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[16..], (uint)s.Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[20..], s.MemSize);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[24..], s.Flags);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[28..], 4);
            s.Data.CopyTo(f, at);
            at += s.Data.Length;
        }
        return f;
    }

    public const uint DataBase = 0x20000;

    /// <summary>Code at 0x10000 (R+X) and a 64 KiB zero-filled data segment at 0x20000 (R+W).</summary>
    public static ProgramImage Program(Rv32Assembler asm, byte[]? data = null) =>
        ElfLoader.Load(ProgramElf(asm, data));

    public static byte[] ProgramElf(Rv32Assembler asm, byte[]? data = null) =>
        new ElfBuilder { Entry = asm.Base }
            .Add(asm.Base, asm.ToBytes(), R | X)
            .Add(DataBase, data ?? [], R | W, 0x10000)
            .Build();
}
