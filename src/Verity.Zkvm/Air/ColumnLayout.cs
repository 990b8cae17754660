namespace Verity.Zkvm.Air;

/// <summary>Allocates a table's main columns by name, so chips refer to columns by field and errors can name them.</summary>
public sealed class ColumnLayout
{
    private readonly List<string> _names = [];

    public int Add(string name)
    {
        _names.Add(name);
        return _names.Count - 1;
    }

    public int[] AddMany(string name, int count) => [.. Enumerable.Range(0, count).Select(i => Add($"{name}[{i}]"))];

    public int Width => _names.Count;

    public string NameOf(int column) => _names[column];

    public IReadOnlyList<string> Names => _names;
}
