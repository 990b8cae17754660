namespace Verity.Cli.Tests;

/// <summary>
/// A minimal static RV32 ELF written byte by byte (no toolchain needed): by default it writes "hi" to the journal and
/// exits with <c>exitCode</c>; <c>program</c> replaces the code (loaded at 0x10000 after 84 bytes of headers).
/// </summary>
internal static class TinyElf
{
    public static string Write(string path, uint exitCode, uint[]? program = null)
    {
        if (exitCode > 2047) throw new ArgumentOutOfRangeException(nameof(exitCode), "addi takes a 12-bit signed immediate");
        uint[] code = program ??
        [
            0x00010537, // lui a0, 0x10         (a0 = 0x10000, the start of the image)
            0x07850593, // addi a1, a0, 0x78    (a1 = address of "hi": after 84 bytes of headers and 36 of code)
            0x00100513, // addi a0, x0, 1       (fd 1 = journal)
            0x00200613, // addi a2, x0, 2       (length)
            0x04000893, // addi a7, x0, 64      (write)
            0x00000073, // ecall
            (exitCode << 20) | 0x513, // addi a0, x0, exitCode
            0x05d00893, // addi a7, x0, 93      (exit)
            0x00000073, // ecall
        ];
        const int headers = 52 + 32;
        var file = new byte[headers + code.Length * 4 + 4];
        var w = new BinaryWriter(new MemoryStream(file));
        w.Write([0x7f, (byte)'E', (byte)'L', (byte)'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        w.Write((ushort)2); w.Write((ushort)243); w.Write(1u); w.Write(0x10000u + headers); w.Write(52u); w.Write(0u); w.Write(0u);
        w.Write((ushort)52); w.Write((ushort)32); w.Write((ushort)1); w.Write((ushort)40); w.Write((ushort)0); w.Write((ushort)0);
        w.Write(1u); w.Write(0u); w.Write(0x10000u); w.Write(0x10000u); w.Write((uint)file.Length); w.Write((uint)file.Length); w.Write(5u); w.Write(0x1000u);
        foreach (var c in code) w.Write(c);
        w.Write((byte)'h'); w.Write((byte)'i');
        File.WriteAllBytes(path, file);
        return path;
    }
}
