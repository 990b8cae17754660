namespace Verity.Stark.Air.Model;

/// <summary>
/// A thread-safe least-recently-used cache bounded by a size measure (bytes). Values are computed outside the lock,
/// once per key even under concurrent misses (a <see cref="Lazy{T}"/> per entry).
/// </summary>
internal sealed class LruCache<TKey, TValue>(long capacity, Func<TValue, long> sizeOf) where TKey : notnull
{
    private sealed record Entry(TKey Key, Lazy<TValue> Value)
    {
        public long Size;
    }

    private readonly object _lock = new();
    private readonly Dictionary<TKey, LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _order = new(); // most recently used first
    private long _size;
    private long _capacity = capacity;

    public long CapacityBytes
    {
        get { lock (_lock) return _capacity; }
        set { lock (_lock) { _capacity = value; Trim(keep: null); } }
    }

    public int Count { get { lock (_lock) return _map.Count; } }

    /// <summary>Whether <paramref name="key"/> has an entry (computed or being computed); does not touch the recency order.</summary>
    public bool ContainsKey(TKey key) { lock (_lock) return _map.ContainsKey(key); }

    public TValue GetOrAdd(TKey key, Func<TValue> create)
    {
        LinkedListNode<Entry> node;
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var found))
            {
                _order.Remove(found);
                _order.AddFirst(found);
                node = found;
            }
            else
            {
                node = _order.AddFirst(new Entry(key, new Lazy<TValue>(create, LazyThreadSafetyMode.ExecutionAndPublication)));
                _map[key] = node;
            }
        }
        bool created = !node.Value.Value.IsValueCreated;
        TValue value;
        try { value = node.Value.Value.Value; }
        catch
        {
            lock (_lock) { if (_map.TryGetValue(key, out var n) && n == node) { _map.Remove(key); _order.Remove(node); } }
            throw;
        }
        if (created)
        {
            lock (_lock)
            {
                if (_map.TryGetValue(key, out var n) && n == node && node.Value.Size == 0)
                {
                    node.Value.Size = sizeOf(value);
                    _size += node.Value.Size;
                    Trim(keep: node);
                }
            }
        }
        return value;
    }

    private void Trim(LinkedListNode<Entry>? keep)
    {
        // Drop least recently used, finished entries until under capacity; the entry just added always stays.
        var node = _order.Last;
        while (_size > _capacity && node != null)
        {
            var prev = node.Previous;
            if (node != keep && node.Value.Value.IsValueCreated)
            {
                _order.Remove(node);
                _map.Remove(node.Value.Key);
                _size -= node.Value.Size;
            }
            node = prev;
        }
    }
}
