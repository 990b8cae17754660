using System.CommandLine;
using Verity.Guests;

namespace Verity.Cli.Commands;

/// <summary>
/// The synthetic benchmark guest (guest/examples/loop.c, like <c>bento_cli -c N</c>), shared by every benchmark that
/// runs it: embedded in the CLI (src/Verity.Guests), or another build given with <c>--elf</c>; its input is the
/// iteration count as a little-endian u32; about 18 cycles per iteration.
/// </summary>
internal static class LoopGuest
{
    /// <summary>The name shown for the embedded guest.</summary>
    public const string EmbeddedName = "loop.elf (embedded)";

    /// <summary>The <c>--elf</c> option of a benchmark; absent means the embedded loop guest.</summary>
    public static Option<FileInfo?> ElfOption(string description) =>
        new("--elf") { Description = description + " (default: the embedded loop guest, guest/examples/loop.c)" };

    /// <summary>The guest's input for <paramref name="iterations"/> iterations.</summary>
    public static byte[] Input(uint iterations) => ExampleGuests.U32Input(iterations);

    /// <summary>The ELF given with <c>--elf</c>, or the embedded loop guest; and the name to show for it.</summary>
    /// <exception cref="CliException">The given ELF is not there.</exception>
    public static (byte[] Elf, string Name) Load(FileInfo? elf)
    {
        if (elf == null) return (ExampleGuests.Loop, EmbeddedName);
        if (!elf.Exists) throw new CliException($"--elf: guest '{elf.FullName}' not found (leave --elf out to use the embedded loop guest).");
        return (File.ReadAllBytes(elf.FullName), elf.Name);
    }
}
