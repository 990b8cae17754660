using Verity.Stark.Air.Model;
using Verity.Zkvm.Chips;

namespace Verity.Zkvm.Memory;

/// <summary>
/// The AIR of the run's memory proof: the memory table and the byte table its address steps are range-checked in.
/// Its only public inputs are the image id words; the table itself is tied to the image through the image bus.
/// </summary>
internal sealed class MemoryCircuit
{
    public const string AirName = "verity.rv32im.memory.v2";
    public const int PublicInputCount = Zkvm.Air.SegmentStatement.ImageIdWords;

    public static MemoryCircuit Instance { get; } = new();

    private MemoryCircuit()
    {
        Table = new MemoryTableChip();
        Bytes = new ByteTableChip();
        var air = new AirBuilder(AirName, PublicInputCount);
        Table.Define(air.Table(Table.Name, Table.Layout.Width));
        Bytes.Define(air.Table(Bytes.Name, Bytes.Layout.Width));
        Air = air.Build();
    }

    public MemoryTableChip Table { get; }
    public ByteTableChip Bytes { get; }
    public AirDefinition Air { get; }
}
