using System.Buffers.Binary;
using System.CommandLine;

namespace Verity.Cli.Commands;

/// <summary>
/// The synthetic benchmark guest (guest/examples/loop.c, like <c>bento_cli -c N</c>), shared by every benchmark that
/// runs it: built by <c>make -C guest</c> into guest/build/loop.elf; its input is the iteration count as a
/// little-endian u32; about 18 cycles per iteration.
/// </summary>
internal static class LoopGuest
{
    public static FileInfo DefaultElf => new(Path.Combine("guest", "build", "loop.elf"));

    /// <summary>The <c>--elf</c> option of a benchmark, defaulting to the built loop guest.</summary>
    public static Option<FileInfo> ElfOption(string description) =>
        new("--elf") { Description = description, DefaultValueFactory = _ => DefaultElf };

    /// <summary>The guest's input for <paramref name="iterations"/> iterations.</summary>
    public static byte[] Input(uint iterations)
    {
        var input = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(input, iterations);
        return input;
    }

    /// <exception cref="CliException">The ELF is not there (the guests are not built).</exception>
    public static void RequireBuilt(FileInfo elf)
    {
        if (!elf.Exists) throw new CliException($"Guest '{elf.FullName}' not found; build the example guests with `make -C guest` first.");
    }
}
