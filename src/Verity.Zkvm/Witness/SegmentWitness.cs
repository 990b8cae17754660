using Verity.Vm;
using Verity.Zkvm.Programs;

namespace Verity.Zkvm.Witness;

/// <summary>One memory access as the circuit sees it: AIR times (executor timestamp + 4) and the version it replaced.</summary>
internal readonly record struct AccessRecord(uint Address, uint Value, uint Previous, long Time, long PreviousTime, bool IsWrite)
{
    public int Slot => (int)(Time & 3);
    public long Clk => Time >> 2;
}

/// <summary>One executed instruction: its cycles and its accesses (a range of <see cref="SegmentWitness.Accesses"/>).</summary>
internal readonly record struct InstructionRecord(long Clk, uint Pc, Decoded D, int Cycles, int FirstAccess, int AccessCount);

/// <summary>
/// Everything the chips need to fill one segment's tables, derived from the executor's replay of the segment
/// (<see cref="Executor.RunSegment"/>): each access with the version it replaced, grouped by instruction.
/// Clocks are executor cycles + 1 and AIR times are executor timestamps + 4, so time 0 belongs to the memory
/// table's initial values and 4·StartClk − 1 to the segment's boundary rows.
/// </summary>
internal sealed class SegmentWitness
{
    public SegmentWitness(ProgramRom rom, Segment segment, SegmentBoundary boundary)
    {
        Boundary = boundary;
        if (segment.Instructions.Count == 0 && segment.Cycles > 0)
            throw new ArgumentException("the segment has no instruction records; replay it with RecordTrace and KeepAccesses", nameof(segment));
        Segment = segment;
        var last = new Dictionary<uint, (uint Value, long Time)>(segment.InitialWords.Count);
        foreach (var w in segment.InitialWords) last[w.Address] = (w.Value, boundary.BoundaryTime);
        Accesses = new AccessRecord[segment.Accesses.Count];
        for (int i = 0; i < Accesses.Length; i++)
        {
            var a = segment.Accesses[i];
            var (prev, prevTime) = last[a.Address];
            long time = a.Timestamp + 4;
            Accesses[i] = new AccessRecord(a.Address, a.Value, prev, time, prevTime, a.IsWrite);
            last[a.Address] = (a.Value, time);
        }

        Instructions = new InstructionRecord[segment.Instructions.Count];
        int next = 0;
        for (int i = 0; i < Instructions.Length; i++)
        {
            var s = segment.Instructions[i];
            long end = i + 1 < Instructions.Length ? segment.Instructions[i + 1].Cycle : segment.EndCycle;
            int first = next;
            while (next < Accesses.Length && Accesses[next].Time < 4 * (end + 1)) next++;
            Instructions[i] = new InstructionRecord(s.Cycle + 1, s.Pc, rom.At(s.Pc), (int)(end - s.Cycle), first, next - first);
        }
        if (next != Accesses.Length) throw new InvalidOperationException("accesses after the segment's last instruction");
    }

    public SegmentBoundary Boundary { get; }
    public Segment Segment { get; }
    public AccessRecord[] Accesses { get; }
    public InstructionRecord[] Instructions { get; }

    /// <summary>The access of <paramref name="instruction"/> at clock <paramref name="clk"/> and slot <paramref name="slot"/>, if any.</summary>
    public bool TryAccess(in InstructionRecord instruction, long clk, int slot, out AccessRecord access)
    {
        long time = 4 * clk + slot;
        for (int i = instruction.FirstAccess; i < instruction.FirstAccess + instruction.AccessCount; i++)
        {
            if (Accesses[i].Time == time) { access = Accesses[i]; return true; }
            if (Accesses[i].Time > time) break;
        }
        access = default;
        return false;
    }
}
