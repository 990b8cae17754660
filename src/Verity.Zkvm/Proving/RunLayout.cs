using Verity.Vm;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Proving;

/// <summary>
/// Phase-1 facts shared by prover and tests: each segment's boundary (global previous access times, IO bytes) and
/// the run's memory-table rows, all from the trace-mode run without per-access records.
/// </summary>
internal static class RunLayout
{
    public static Func<uint, bool> ReadOnlyMap(ProgramImage image) => a =>
        image.SegmentAt(a) is { } s && (s.Executable || !s.Writable);

    public static SegmentBoundary[] Boundaries(ProgramImage image, byte[] input, ExecutionResult run, int segmentPo2)
    {
        var readOnly = ReadOnlyMap(image);
        var lastTime = new Dictionary<uint, long>();
        var result = new SegmentBoundary[run.Segments.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var s = run.Segments[i];
            var prev = new long[s.InitialWords.Count];
            for (int r = 0; r < prev.Length; r++) prev[r] = lastTime.GetValueOrDefault(s.InitialWords[r].Address);
            foreach (var w in s.FinalWords) lastTime[w.Address] = w.Timestamp + 4;
            result[i] = new SegmentBoundary(s, prev,
                input[(int)s.InputOffset..(int)s.EndInputOffset],
                run.Journal[(int)s.JournalLength..(int)s.EndJournalLength],
                input.Length, readOnly, segmentPo2);
        }
        return result;
    }

    /// <summary>The image words the memory table must take from the image: non-zero or read-only ones.</summary>
    public static IEnumerable<(uint Address, uint Value, bool ReadOnly)> ImageWords(ProgramImage image)
    {
        foreach (var s in image.Segments)
        {
            bool ro = s.Executable || !s.Writable;
            uint stored = (uint)s.Data.Length;
            for (uint i = 0; i < stored; i += 4)
            {
                uint v = s.WordAt(i);
                if (v != 0 || ro) yield return (s.Address + i, v, ro);
            }
            // The zero tail: read-only words are sent even when zero (their value is fixed); writable ones start at
            // zero like every untouched word, so they are not sent.
            if (ro)
                for (uint i = stored; i < s.Length; i += 4) yield return (s.Address + i, 0, true);
        }
    }

    public static List<MemoryWord> MemoryWords(ProgramImage image, ExecutionResult run)
    {
        var final = new Dictionary<uint, (uint Value, long Time)>();
        foreach (var s in run.Segments)
            foreach (var w in s.FinalWords) final[w.Address] = (w.Value, w.Timestamp + 4);
        var rows = new Dictionary<uint, MemoryWord>();
        foreach (var (a, v, ro) in ImageWords(image)) rows[a] = new MemoryWord(a, v, ro, true, v, 0);
        foreach (var (a, (value, time)) in final)
        {
            var initial = rows.TryGetValue(a, out var img) ? img : new MemoryWord(a, 0, false, false, 0, 0);
            rows[a] = initial with { FinalValue = value, FinalTime = time };
        }
        var list = rows.Values.ToList();
        list.Sort((x, y) => x.Address.CompareTo(y.Address));
        return list;
    }
}
