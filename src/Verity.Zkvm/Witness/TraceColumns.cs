using Verity.Algebra;

namespace Verity.Zkvm.Witness;

/// <summary>A table's main trace under construction: column-major, zero-filled (the padding rows).</summary>
internal sealed class TraceColumns
{
    public TraceColumns(int width, int height)
    {
        Height = height;
        Columns = new Goldilocks[width][];
        for (int c = 0; c < width; c++) Columns[c] = new Goldilocks[height];
    }

    public int Height { get; }
    public Goldilocks[][] Columns { get; }

    public void Set(int column, int row, ulong value) => Columns[column][row] = Goldilocks.FromUInt64(value);
    public void SetField(int column, int row, Goldilocks value) => Columns[column][row] = value;
    public void SetBool(int column, int row, bool value) => Columns[column][row] = value ? Goldilocks.One : Goldilocks.Zero;

    /// <summary>Smallest power-of-two height ≥ max(rows, 8) (the engine's minimum table height).</summary>
    public static int HeightFor(long rows) => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(rows, 8));
}
