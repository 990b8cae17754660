namespace Verity.Zkvm.Witness;

/// <summary>Multiplicities of the lookup tables a segment's rows use; chips count as they fill their rows.</summary>
internal sealed class LookupCounts(Programs.ProgramRom? rom)
{
    public int ProgramRow(uint pc) => rom!.RowOf(pc);

    public long[] Range16 { get; } = new long[1 << 16];
    public long[] ByteAnd { get; } = new long[1 << 16];
    public long[] Program { get; } = new long[rom?.Height ?? 0];

    public void Range(ulong value)
    {
        if (value >= 1 << 16) throw new InvalidOperationException($"witness value {value} does not fit the 16-bit range table");
        Range16[value]++;
    }

    /// <summary>Counts both 16-bit limbs of a word.</summary>
    public void Word(uint value)
    {
        Range16[value & 0xFFFF]++;
        Range16[value >> 16]++;
    }

    public void And(uint x, uint y)
    {
        if (x > 255 || y > 255) throw new InvalidOperationException($"byte AND lookup of ({x}, {y}) outside the byte table");
        ByteAnd[x | (y << 8)]++;
    }
}
