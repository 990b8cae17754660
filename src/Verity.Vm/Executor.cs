using System.Diagnostics;

namespace Verity.Vm;

/// <summary>Runs RV32IM programs (see docs/ZKVM.md for the machine, syscalls, segments and trace).</summary>
public static class Executor
{
    /// <summary>
    /// Runs <paramref name="image"/> on <paramref name="input"/> until the exit syscall. Throws
    /// <see cref="ExecutionException"/> for an execution error or an exceeded limit.
    /// </summary>
    public static ExecutionResult Run(ProgramImage image, ReadOnlySpan<byte> input, ExecutionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= new ExecutionOptions();
        Validate(options);
        var sw = Stopwatch.StartNew();
        using var m = new Machine(image, input, options.MaxMemoryBytes, loadImage: true);
        m.MaxCycles = options.MaxCycles;
        long segmentSize = 1L << options.SegmentPo2;
        var segments = new List<Segment>();
        while (true)
        {
            long start = m.Cycles;
            var seg = new Segment
            {
                Index = segments.Count,
                StartCycle = start,
                StartPc = m.Pc,
                StartRegisters = m.Registers(),
                InputOffset = m.InputOffset,
                JournalLength = m.Journal.WrittenCount,
            };
            segments.Add(seg);
            long limit = Math.Min(start + segmentSize, options.MaxCycles);
            Stop stop;
            if (options.RecordTrace)
            {
                // About three accesses per cycle (two register reads, a write; loads and stores add one).
                int expected = options.KeepAccesses ? (int)Math.Min(3 * (limit - start), 1 << 26) : 0;
                var rec = new Recording { Recorder = new SegmentRecorder(null, expected) { KeepAccesses = options.KeepAccesses } };
                stop = m.Run(ref rec, limit, start);
                Finish(m, seg, stop);
                rec.Recorder.Finish(seg);
            }
            else
            {
                var none = new NoTrace();
                stop = m.Run(ref none, limit, start);
                Finish(m, seg, stop);
            }
            if (stop == Stop.Exit) break;
            if (stop == Stop.Limit && m.Cycles >= options.MaxCycles)
                throw m.Fault(m.Pc, m.Cycles, $"cycle limit of {options.MaxCycles} exceeded");
        }
        return new ExecutionResult
        {
            ExitCode = m.ExitCode,
            Cycles = m.Cycles,
            Journal = m.Journal.WrittenSpan.ToArray(),
            Log = m.Log.WrittenSpan.ToArray(),
            Segments = segments,
            InputBytesRead = m.InputOffset,
            FinalPc = m.Pc,
            MemoryBytes = m.Memory.AllocatedBytes,
            Elapsed = sw.Elapsed,
        };
    }

    /// <summary>
    /// Re-executes one segment from its checkpoint alone: the start registers, pc and input offset, and the
    /// initial value of every word it touches (<see cref="Segment.InitialWords"/>, so the checkpoint must come from a
    /// run with <see cref="ExecutionOptions.RecordTrace"/>). The code comes from <paramref name="image"/>; no other
    /// memory is loaded, and touching a word the checkpoint does not cover is an error. Returns the segment as
    /// recomputed, which must equal <paramref name="checkpoint"/>.
    /// </summary>
    public static Segment RunSegment(ProgramImage image, Segment checkpoint, ReadOnlySpan<byte> input, ExecutionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(checkpoint);
        options ??= new ExecutionOptions();
        if (!checkpoint.HasBoundaryData)
            throw new ArgumentException("the checkpoint has no boundary data; run with RecordTrace = true to get one", nameof(checkpoint));
        using var m = new Machine(image, input, options.MaxMemoryBytes, loadImage: false);
        var allowed = new HashSet<uint>();
        Span<byte> word = stackalloc byte[4];
        foreach (BoundaryWord w in checkpoint.InitialWords)
        {
            allowed.Add(w.Address);
            if (w.Address < Memory.PageSize) continue; // registers
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(word, w.Value);
            m.StoreBytes(w.Address, word, checkpoint.StartPc);
        }
        m.SetRegisters(checkpoint.StartRegisters);
        m.Pc = checkpoint.StartPc;
        m.Cycles = checkpoint.StartCycle;
        m.InputOffset = checkpoint.InputOffset;
        m.JournalBase = checkpoint.JournalLength;
        var seg = new Segment
        {
            Index = checkpoint.Index,
            StartCycle = checkpoint.StartCycle,
            StartPc = checkpoint.StartPc,
            StartRegisters = m.Registers(),
            InputOffset = checkpoint.InputOffset,
            JournalLength = checkpoint.JournalLength,
        };
        int expected = options.KeepAccesses ? (int)Math.Min(3 * (checkpoint.EndCycle - checkpoint.StartCycle), 1 << 26) : 0;
        var rec = new Recording { Recorder = new SegmentRecorder(allowed, expected) { KeepAccesses = options.KeepAccesses } };
        Stop stop = m.Run(ref rec, checkpoint.EndCycle, checkpoint.StartCycle);
        Finish(m, seg, stop);
        rec.Recorder.Finish(seg);
        return seg;
    }

    private static void Finish(Machine m, Segment seg, Stop stop)
    {
        seg.EndCycle = m.Cycles;
        seg.EndPc = m.Pc;
        seg.EndRegisters = m.Registers();
        seg.EndInputOffset = m.InputOffset;
        seg.EndJournalLength = m.JournalBase + m.Journal.WrittenCount;
        if (stop == Stop.Exit) seg.ExitCode = m.ExitCode;
    }

    private static void Validate(ExecutionOptions o)
    {
        if (o.MaxCycles <= 0) throw new ArgumentOutOfRangeException(nameof(o), o.MaxCycles, "MaxCycles must be positive");
        if (o.MaxMemoryBytes < Memory.PageSize) throw new ArgumentOutOfRangeException(nameof(o), o.MaxMemoryBytes, "MaxMemoryBytes must be at least one page (4096)");
        if (o.SegmentPo2 is < 4 or > 30) throw new ArgumentOutOfRangeException(nameof(o), o.SegmentPo2, "SegmentPo2 must be between 4 and 30");
    }
}
