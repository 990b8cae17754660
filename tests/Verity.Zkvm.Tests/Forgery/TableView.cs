using Verity.Algebra;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Tests.Forgery;

/// <summary>Cells of one table trace by column name, for writing forgeries readably.</summary>
internal sealed class TableView(TraceColumns trace, ColumnLayout layout)
{
    private int Column(string name)
    {
        for (int c = 0; c < layout.Width; c++) if (layout.NameOf(c) == name) return c;
        throw new ArgumentException($"no column {name}");
    }

    public ulong this[string column, int row]
    {
        get => trace.Columns[Column(column)][row].Value;
        set => trace.Columns[Column(column)][row] = new Goldilocks(value);
    }

    public void SetField(string column, int row, Goldilocks value) => trace.Columns[Column(column)][row] = value;

    public bool Has(string column) => layout.Names.Contains(column);

    public int Height => trace.Height;

    /// <summary>The rows where every named column has the given value.</summary>
    public int[] Rows(params (string Column, ulong Value)[] where) =>
        [.. Enumerable.Range(0, Height).Where(r => where.All(w => this[w.Column, r] == w.Value))];

    public int Row(params (string Column, ulong Value)[] where) =>
        Rows(where) is [int r] ? r : throw new InvalidOperationException($"expected one row with {string.Join(", ", where)}");

    /// <summary>Turns a row into padding: every cell 0.</summary>
    public void Clear(int row)
    {
        foreach (var column in trace.Columns) column[row] = Goldilocks.Zero;
    }
}
