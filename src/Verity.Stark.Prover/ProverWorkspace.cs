using Verity.Algebra;

namespace Verity.Stark.Prover;

/// <summary>
/// Large buffers a prover keeps between proofs. A node proving segment after segment passes the
/// same workspace each time, so the LDE matrices (hundreds of MiB to GiBs) are not allocated —
/// and faulted in page by page — for every proof: first touch of fresh memory is about a third of
/// the trace LDE's time. Not thread-safe: one workspace per concurrent prover.
/// </summary>
public sealed class ProverWorkspace
{
    private readonly Dictionary<(int Width, int Height), Stack<RowMajorMatrix>> _free = [];
    private readonly List<RowMajorMatrix> _rented = [];

    /// <summary>A matrix of this shape, reused when one is free (its contents are stale).</summary>
    internal RowMajorMatrix Rent(int width, int height)
    {
        var m = _free.TryGetValue((width, height), out var stack) && stack.Count > 0 ? stack.Pop() : new RowMajorMatrix(width, height);
        _rented.Add(m);
        return m;
    }

    /// <summary>Makes every rented matrix available again; called when a proof no longer needs them.</summary>
    internal void ReturnAll()
    {
        foreach (var m in _rented)
        {
            if (!_free.TryGetValue((m.Width, m.Height), out var stack)) _free[(m.Width, m.Height)] = stack = new Stack<RowMajorMatrix>();
            stack.Push(m);
        }
        _rented.Clear();
    }

    /// <summary>Bytes held for reuse.</summary>
    public long RetainedBytes => _free.Sum(kv => (long)kv.Key.Width * kv.Key.Height * kv.Value.Count * sizeof(ulong));

    /// <summary>Drops every retained buffer.</summary>
    public void Clear() => _free.Clear();
}
