namespace Verity.Vm;

/// <summary>Observer of memory accesses; a struct type parameter of the interpreter loop so the JIT removes it in preflight.</summary>
internal interface ITracer
{
    bool Enabled { get; }
    void Read(uint address, uint value, long timestamp);
    void Write(uint address, uint oldValue, uint newValue, long timestamp);
}

internal struct NoTrace : ITracer
{
    public readonly bool Enabled => false;
    public readonly void Read(uint address, uint value, long timestamp) { }
    public readonly void Write(uint address, uint oldValue, uint newValue, long timestamp) { }
}

/// <summary>Per-segment recording of boundary tables and (optionally) every access.</summary>
internal sealed class SegmentRecorder
{
    private struct Entry { public uint FirstValue; public long FirstTs; public uint LastValue; public long LastTs; }

    private readonly Dictionary<uint, Entry> _words = [];
    private readonly List<MemoryAccess> _accesses = [];
    private readonly HashSet<uint>? _allowed;

    public SegmentRecorder(HashSet<uint>? allowed) { _allowed = allowed; }

    public bool KeepAccesses { get; init; }

    public void Access(uint address, uint before, uint after, long ts, bool write)
    {
        if (KeepAccesses) _accesses.Add(new MemoryAccess(address, after, ts, write));
        ref Entry e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_words, address, out bool exists);
        if (!exists)
        {
            if (_allowed != null && !_allowed.Contains(address))
                throw new InvalidOperationException($"the segment touches the word at 0x{address:x8}, which its checkpoint does not cover");
            e.FirstValue = before;
            e.FirstTs = ts;
        }
        e.LastValue = after;
        e.LastTs = ts;
    }

    public void Finish(Segment segment)
    {
        var first = new BoundaryWord[_words.Count];
        var last = new BoundaryWord[_words.Count];
        int i = 0;
        foreach (KeyValuePair<uint, Entry> kv in _words)
        {
            first[i] = new BoundaryWord(kv.Key, kv.Value.FirstValue, kv.Value.FirstTs);
            last[i] = new BoundaryWord(kv.Key, kv.Value.LastValue, kv.Value.LastTs);
            i++;
        }
        Array.Sort(first, (a, b) => a.Address.CompareTo(b.Address));
        Array.Sort(last, (a, b) => a.Address.CompareTo(b.Address));
        segment.InitialWords = first;
        segment.FinalWords = last;
        segment.Accesses = KeepAccesses ? _accesses.ToArray() : [];
        segment.HasBoundaryData = true;
    }
}

internal struct Recording : ITracer
{
    public SegmentRecorder Recorder;
    public readonly bool Enabled => true;
    public readonly void Read(uint address, uint value, long timestamp) => Recorder.Access(address, value, value, timestamp, false);
    public readonly void Write(uint address, uint oldValue, uint newValue, long timestamp) => Recorder.Access(address, oldValue, newValue, timestamp, true);
}
