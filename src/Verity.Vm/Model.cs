namespace Verity.Vm;

/// <summary>Limits and modes of a run.</summary>
public sealed record ExecutionOptions
{
    /// <summary>Most cycles a run may take; reaching it before the exit syscall is an error.</summary>
    public long MaxCycles { get; init; } = 1L << 32;

    /// <summary>Most guest memory (image plus pages touched, counted in 4 KiB pages).</summary>
    public long MaxMemoryBytes { get; init; } = 1L << 30;

    /// <summary>Segments hold at most 2^SegmentPo2 cycles (4..30).</summary>
    public int SegmentPo2 { get; init; } = 20;

    /// <summary>Record every memory access and the boundary tables of every segment (for the prover); off in preflight.</summary>
    public bool RecordTrace { get; init; }

    /// <summary>
    /// With <see cref="RecordTrace"/>: keep every access, not only each segment's first/last-access tables.
    /// Turn it off for a whole long run (its accesses take ~72 bytes per cycle) and get each segment's
    /// accesses from <see cref="Executor.RunSegment"/> when that segment is proven.
    /// </summary>
    public bool KeepAccesses { get; init; } = true;
}

/// <summary>An execution error: the guest did something the machine does not allow, or hit a limit.</summary>
public sealed class ExecutionException : Exception
{
    public ExecutionException(uint pc, uint instruction, long cycle, string reason)
        : base($"{reason} at pc 0x{pc:x8} (instruction 0x{instruction:x8}, cycle {cycle})")
    {
        Pc = pc;
        Instruction = instruction;
        Cycle = cycle;
        Reason = reason;
    }

    public uint Pc { get; }
    public uint Instruction { get; }
    public long Cycle { get; }
    public string Reason { get; }
}

/// <summary>
/// One memory access: <see cref="Address"/> is word-aligned; registers x1..x31 live at 4·i in page 0.
/// <see cref="Value"/> is the word after the access; <see cref="Timestamp"/> = 4·cycle + slot.
/// </summary>
public readonly record struct MemoryAccess(uint Address, uint Value, long Timestamp, bool IsWrite);

/// <summary>The cycle in which the instruction at <see cref="Pc"/> starts (a syscall spans several cycles).</summary>
public readonly record struct InstructionStart(long Cycle, uint Pc);

/// <summary>A boundary-table row: the value of a word at the first (initial value) or last (final value) access of a segment.</summary>
public readonly record struct BoundaryWord(uint Address, uint Value, long Timestamp);

/// <summary>
/// A segment of a run: at most 2^po2 cycles [StartCycle, EndCycle), its checkpoint (start pc, registers, input
/// offset, journal length) and end state. With <see cref="ExecutionOptions.RecordTrace"/> it also holds the
/// boundary tables (first and last access per touched word, registers included) and every memory access.
/// </summary>
public sealed class Segment
{
    public int Index { get; init; }
    public long StartCycle { get; init; }
    public long EndCycle { get; internal set; }
    public uint StartPc { get; init; }
    public uint EndPc { get; internal set; }
    /// <summary>x0..x31 at the start (x0 always 0).</summary>
    public uint[] StartRegisters { get; init; } = [];
    public uint[] EndRegisters { get; internal set; } = [];
    /// <summary>Bytes of input consumed before the segment.</summary>
    public long InputOffset { get; init; }
    public long EndInputOffset { get; internal set; }
    /// <summary>Journal length before the segment.</summary>
    public long JournalLength { get; init; }
    public long EndJournalLength { get; internal set; }
    /// <summary>The guest's exit code when the run ended in this segment.</summary>
    public int? ExitCode { get; internal set; }

    /// <summary>Whether the boundary tables below were recorded (trace mode).</summary>
    public bool HasBoundaryData { get; internal set; }
    /// <summary>First access per touched word, in address order: the value the word held at the segment start.</summary>
    public IReadOnlyList<BoundaryWord> InitialWords { get; internal set; } = [];
    /// <summary>Last access per touched word, in address order: the value at the segment end.</summary>
    public IReadOnlyList<BoundaryWord> FinalWords { get; internal set; } = [];
    /// <summary>Every access in timestamp order (trace mode only, else empty).</summary>
    public IReadOnlyList<MemoryAccess> Accesses { get; internal set; } = [];
    /// <summary>Every instruction executed, in order, with its start cycle (trace mode with accesses kept, else empty).</summary>
    public IReadOnlyList<InstructionStart> Instructions { get; internal set; } = [];
    /// <summary>Instructions executed per operation (trace mode), indexed by the internal Op code.</summary>
    internal long[] OpCounts { get; set; } = [];

    public long Cycles => EndCycle - StartCycle;
}

/// <summary>The outcome of a run that reached the exit syscall.</summary>
public sealed class ExecutionResult
{
    public int ExitCode { get; init; }
    public long Cycles { get; init; }
    public byte[] Journal { get; init; } = [];
    public byte[] Log { get; init; } = [];
    public IReadOnlyList<Segment> Segments { get; init; } = [];
    public long InputBytesRead { get; init; }
    public uint FinalPc { get; init; }
    /// <summary>Guest memory allocated at the end (image plus touched pages).</summary>
    public long MemoryBytes { get; init; }
    public TimeSpan Elapsed { get; init; }
}
