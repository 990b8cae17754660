using System.Buffers.Binary;
using Verity.Algebra;
using Verity.Stark.Air.Model;
using Verity.Vm;

namespace Verity.Zkvm.Proving;

/// <summary>
/// The output of the execute task (phase 1): every segment's checkpoint and boundary tables, the run's result and
/// the global challenge drawn from the phase-1 commitments. It is all a prove task needs besides the image and the
/// input, and it round-trips through bytes (<see cref="ToBytes"/>) so tasks can run on other machines.
/// </summary>
public sealed class ExecutedRun
{
    private const uint Magic = 0x4E555258; // "XRUN"
    private const ushort Version = 1;

    internal ExecutedRun(ExecutionResult result, int segmentPo2, ExternalChallenges challenges)
    {
        Result = result;
        SegmentPo2 = segmentPo2;
        Challenges = challenges;
    }

    internal ExecutionResult Result { get; }

    /// <summary>The plan built from this run by the last task in this process (see ZkvmTasks).</summary>
    internal RunPlan? CachedPlan { get; set; }
    public int SegmentPo2 { get; }
    public ExternalChallenges Challenges { get; }
    public int SegmentCount => Result.Segments.Count;
    public long Cycles => Result.Cycles;

    /// <summary>The guest's exit code (what the claim commits to).</summary>
    public int ExitCode => Result.ExitCode;

    /// <summary>The bytes the guest wrote to its journal.</summary>
    public ReadOnlySpan<byte> Journal => Result.Journal;

    /// <summary>Input bytes the guest read.</summary>
    public long InputConsumed => Result.InputBytesRead;

    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        var w = new BinaryWriter(ms);
        w.Write(Magic);
        w.Write(Version);
        w.Write((byte)SegmentPo2);
        foreach (var g in new[] { Challenges.Gamma, Challenges.Beta }) { w.Write(g.C0.Value); w.Write(g.C1.Value); w.Write(g.C2.Value); }
        w.Write(Result.ExitCode);
        w.Write(Result.Cycles);
        w.Write(Result.InputBytesRead);
        w.Write(Result.FinalPc);
        w.Write(Result.Journal.Length);
        w.Write(Result.Journal);
        w.Write(Result.Segments.Count);
        foreach (var s in Result.Segments)
        {
            w.Write(s.Index);
            w.Write(s.StartCycle); w.Write(s.EndCycle);
            w.Write(s.StartPc); w.Write(s.EndPc);
            foreach (uint r in s.StartRegisters) w.Write(r);
            foreach (uint r in s.EndRegisters) w.Write(r);
            w.Write(s.InputOffset); w.Write(s.EndInputOffset);
            w.Write(s.JournalLength); w.Write(s.EndJournalLength);
            w.Write(s.ExitCode.HasValue);
            w.Write(s.ExitCode ?? 0);
            WriteWords(w, s.InitialWords);
            WriteWords(w, s.FinalWords);
            w.Write(s.OpCounts.Length);
            foreach (long c in s.OpCounts) w.Write(c);
        }
        w.Flush();
        return ms.ToArray();
    }

    private static void WriteWords(BinaryWriter w, IReadOnlyList<BoundaryWord> words)
    {
        w.Write(words.Count);
        foreach (var b in words) { w.Write(b.Address); w.Write(b.Value); w.Write(b.Timestamp); }
    }

    /// <exception cref="FormatException">The bytes are not an executed run of this version.</exception>
    public static ExecutedRun FromBytes(byte[] bytes)
    {
        try
        {
            var r = new BinaryReader(new MemoryStream(bytes));
            if (r.ReadUInt32() != Magic || r.ReadUInt16() != Version) throw new FormatException("not an executed run (version 1)");
            int po2 = r.ReadByte();
            Goldilocks3 Ext() => new(Field(r), Field(r), Field(r));
            var challenges = new ExternalChallenges(Ext(), Ext());
            int exitCode = r.ReadInt32();
            long cycles = r.ReadInt64();
            long inputRead = r.ReadInt64();
            uint finalPc = r.ReadUInt32();
            var journal = r.ReadBytes(Count(r, bytes.Length));
            int count = Count(r, bytes.Length);
            var segments = new List<Segment>(count);
            for (int i = 0; i < count; i++)
            {
                var s = new Segment
                {
                    Index = r.ReadInt32(),
                    StartCycle = r.ReadInt64(),
                    EndCycle = r.ReadInt64(),
                    StartPc = r.ReadUInt32(),
                    EndPc = r.ReadUInt32(),
                    StartRegisters = Registers(r),
                    EndRegisters = Registers(r),
                    InputOffset = r.ReadInt64(),
                    EndInputOffset = r.ReadInt64(),
                    JournalLength = r.ReadInt64(),
                    EndJournalLength = r.ReadInt64(),
                };
                bool exited = r.ReadBoolean();
                int code = r.ReadInt32();
                if (exited) s.ExitCode = code;
                s.InitialWords = Words(r, bytes.Length);
                s.FinalWords = Words(r, bytes.Length);
                s.OpCounts = [.. Enumerable.Range(0, Count(r, bytes.Length)).Select(_ => r.ReadInt64())];
                s.HasBoundaryData = true;
                segments.Add(s);
            }
            if (r.BaseStream.Position != bytes.Length) throw new FormatException("trailing bytes after the executed run");
            var result = new ExecutionResult { ExitCode = exitCode, Cycles = cycles, Journal = journal, Segments = segments, InputBytesRead = inputRead, FinalPc = finalPc };
            return new ExecutedRun(result, po2, challenges);
        }
        catch (EndOfStreamException) { throw new FormatException("truncated executed run"); }
    }

    private static Goldilocks Field(BinaryReader r)
    {
        ulong v = r.ReadUInt64();
        return v < Goldilocks.Modulus ? new Goldilocks(v) : throw new FormatException("non-canonical field element");
    }

    private static uint[] Registers(BinaryReader r) => [.. Enumerable.Range(0, 32).Select(_ => r.ReadUInt32())];

    private static BoundaryWord[] Words(BinaryReader r, int limit) =>
        [.. Enumerable.Range(0, Count(r, limit)).Select(_ => new BoundaryWord(r.ReadUInt32(), r.ReadUInt32(), r.ReadInt64()))];

    private static int Count(BinaryReader r, int limit)
    {
        int n = r.ReadInt32();
        return n >= 0 && n <= limit ? n : throw new FormatException($"bad count {n}");
    }
}
