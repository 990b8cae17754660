namespace Verity.Vm;

/// <summary>Observer of memory accesses; a struct type parameter of the interpreter loop so the JIT removes it in preflight.</summary>
internal interface ITracer
{
    bool Enabled { get; }
    void Read(uint address, uint value, long timestamp);
    void Write(uint address, uint oldValue, uint newValue, long timestamp);
    /// <summary>An instruction at <paramref name="pc"/> starts executing in <paramref name="cycle"/> (a syscall: only once it is known to run in this segment).</summary>
    void Instruction(long cycle, uint pc, Op op);
}

internal struct NoTrace : ITracer
{
    public readonly bool Enabled => false;
    public readonly void Read(uint address, uint value, long timestamp) { }
    public readonly void Write(uint address, uint oldValue, uint newValue, long timestamp) { }
    public readonly void Instruction(long cycle, uint pc, Op op) { }
}

/// <summary>Per-segment recording of boundary tables and (optionally) every access.</summary>
internal sealed class SegmentRecorder
{
    private struct Entry { public uint FirstValue; public long FirstTs; public uint LastValue; public long LastTs; }

    // Registers (words 4·i in page 0) take most accesses: a fixed array, not the dictionary.
    private const uint RegisterAreaEnd = 32 * 4;
    private readonly Entry[] _registers = new Entry[32];
    private uint _registersSeen;
    private readonly Dictionary<uint, Entry> _words = [];
    private readonly List<MemoryAccess> _accesses;
    private readonly List<InstructionStart> _instructions;
    private readonly long[] _opCounts = new long[OpCount];

    public const int OpCount = (int)Op.Ecall + 1;
    private readonly HashSet<uint>? _allowed;

    /// <param name="expectedAccesses">Capacity to reserve, so a 2^20-cycle segment does not regrow (and copy) its access list.</param>
    public SegmentRecorder(HashSet<uint>? allowed, int expectedAccesses = 0)
    {
        _allowed = allowed;
        _accesses = new List<MemoryAccess>(expectedAccesses);
        _instructions = new List<InstructionStart>(expectedAccesses / 3);
    }

    public void Instruction(long cycle, uint pc, Op op)
    {
        _opCounts[(int)op]++;
        if (KeepAccesses) _instructions.Add(new InstructionStart(cycle, pc));
    }

    public bool KeepAccesses { get; init; }

    public void Access(uint address, uint before, uint after, long ts, bool write)
    {
        if (KeepAccesses) _accesses.Add(new MemoryAccess(address, after, ts, write));
        bool exists;
        ref Entry e = ref address < RegisterAreaEnd
            ? ref RegisterEntry(address, out exists)
            : ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_words, address, out exists);
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

    private ref Entry RegisterEntry(uint address, out bool exists)
    {
        uint bit = 1u << (int)(address >> 2);
        exists = (_registersSeen & bit) != 0;
        _registersSeen |= bit;
        return ref _registers[address >> 2];
    }

    public void Finish(Segment segment)
    {
        int count = _words.Count + System.Numerics.BitOperations.PopCount(_registersSeen);
        var first = new BoundaryWord[count];
        var last = new BoundaryWord[count];
        int i = 0;
        for (int r = 0; r < 32; r++)
        {
            if ((_registersSeen & (1u << r)) == 0) continue;
            ref Entry e = ref _registers[r];
            first[i] = new BoundaryWord((uint)r * 4, e.FirstValue, e.FirstTs);
            last[i] = new BoundaryWord((uint)r * 4, e.LastValue, e.LastTs);
            i++;
        }
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
        segment.Accesses = KeepAccesses ? _accesses : [];
        segment.Instructions = KeepAccesses ? _instructions : [];
        segment.OpCounts = _opCounts;
        segment.HasBoundaryData = true;
    }
}

internal struct Recording : ITracer
{
    public SegmentRecorder Recorder;
    public readonly bool Enabled => true;
    public readonly void Read(uint address, uint value, long timestamp) => Recorder.Access(address, value, value, timestamp, false);
    public readonly void Write(uint address, uint oldValue, uint newValue, long timestamp) => Recorder.Access(address, oldValue, newValue, timestamp, true);
    public readonly void Instruction(long cycle, uint pc, Op op) => Recorder.Instruction(cycle, pc, op);
}
