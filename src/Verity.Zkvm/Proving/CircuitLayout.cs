using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Programs;

namespace Verity.Zkvm.Proving;

/// <summary>Shape of one table of the zkVM circuit: main, preprocessed and extension (aux) columns.</summary>
public sealed record TableShape(string Name, int MainColumns, int PreprocessedColumns, int AuxExtensionColumns, int Interactions, int Constraints)
{
    /// <summary>Committed cells per row: an extension column counts as 3 base cells.</summary>
    public int CellsPerRow => MainColumns + PreprocessedColumns + 3 * AuxExtensionColumns;
}

/// <summary>Describes the circuit's tables for a program (for benchmarks and operators).</summary>
public static class CircuitLayout
{
    public static IReadOnlyList<TableShape> Describe(ProgramImage image)
    {
        var segment = new SegmentCircuit(new ProgramRom(image)).Air.Tables;
        var memory = MemoryCircuit.Instance.Air.Tables.Take(1);
        return [.. segment.Concat(memory).Select(t => new TableShape(t.Name, t.MainWidth, t.PreprocessedWidth, t.AuxWidth,
            t.Interactions.Count, t.UserConstraints.Count))];
    }
}
