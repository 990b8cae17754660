namespace Verity.Guests;

/// <summary>One example guest of guest/examples, as checked in under guest/prebuilt (debug info stripped).</summary>
public sealed class ExampleGuest
{
    private readonly byte[] _elf;

    internal ExampleGuest(string name, byte[] elf, string inputFormat, string journalFormat)
    {
        Name = name;
        _elf = elf;
        InputFormat = inputFormat;
        JournalFormat = journalFormat;
    }

    /// <summary>The example's name: its source is guest/examples/<c>Name</c>.c.</summary>
    public string Name { get; }

    /// <summary>What the guest reads as input, from its source's header.</summary>
    public string InputFormat { get; }

    /// <summary>What the guest commits to its journal.</summary>
    public string JournalFormat { get; }

    /// <summary>The file name the guest is served or stored under.</summary>
    public string FileName => Name + ".elf";

    /// <summary>The RV32IM ELF (a fresh copy: the embedded bytes are shared).</summary>
    public byte[] Elf => (byte[])_elf.Clone();
}
