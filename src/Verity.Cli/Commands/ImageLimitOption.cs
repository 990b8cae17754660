using System.CommandLine;
using Verity.Vm;

namespace Verity.Cli.Commands;

/// <summary>
/// --max-image-bytes: the most memory a guest's ELF may declare (the sum of its segments' p_memsz) for the commands
/// that run or prove it here. Zero fill costs no memory, but hashing and proving take time in proportion to the
/// declared size, so the default is <see cref="ElfLoader.DefaultMaxImageBytes"/>, as on a node.
/// </summary>
internal static class ImageLimitOption
{
    public static Option<long> Create() => new("--max-image-bytes")
    {
        Description = $"refuse an ELF whose segments declare more memory than this (default {ElfLoader.DefaultMaxImageBytes}, at most {ElfLoader.MaxImageBytes})",
        DefaultValueFactory = _ => ElfLoader.DefaultMaxImageBytes,
    };

    /// <summary>Loads the ELF within <paramref name="maxImageBytes"/>; every problem is a <see cref="CliException"/> naming the file.</summary>
    public static ProgramImage Load(FileInfo elfFile, long maxImageBytes)
    {
        if (maxImageBytes is < 1 or > ElfLoader.MaxImageBytes)
            throw new CliException($"--max-image-bytes must be in 1..{ElfLoader.MaxImageBytes}, got {maxImageBytes}.");
        if (!elfFile.Exists) throw new CliException($"ELF file '{elfFile.FullName}' does not exist.");
        try { return ElfLoader.Load(File.ReadAllBytes(elfFile.FullName), maxImageBytes); }
        catch (ElfImageTooLargeException e) { throw new CliException($"{elfFile.Name}: {e.Message} (--max-image-bytes)"); }
        catch (ElfFormatException e) { throw new CliException($"{elfFile.Name}: {e.Message}"); }
    }
}
