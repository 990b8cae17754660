using static Verity.Vm.Tests.Rv32Assembler;

namespace Verity.Vm.Tests;

public class SegmentTests
{
    private const uint D = ElfBuilder.DataBase;

    /// <summary>Reads the input in chunks, sums words with loads/stores/mul/div, writes journal and log, exits with the sum.</summary>
    private static ProgramImage Program(int chunk)
    {
        var a = new Rv32Assembler();
        a.Li(S0, D).Li(S1, 0)
         .Label("read").Li(A0, 0).Add(A1, S0, S1).Li(A2, chunk).Li(A7, 63).Ecall()
         .Beq(A0, Zero, "sum").Add(S1, S1, A0).Jal(Zero, "read")
         .Label("sum").Li(T0, 0).Li(T1, 0)
         .Label("loop").Add(T2, S0, T1).Lbu(T3, T2, 0).Op("mul", T3, T3, T3).Li(T4, 7).Op("remu", T4, T3, T4)
         .Add(T0, T0, T4).Sb(T0, T2, 0).Sw(T0, S0, -4).Addi(T1, T1, 1).Bltu(T1, S1, "loop")
         .Li(A0, 1).Addi(A1, S0, 0).Addi(A2, S1, 0).Li(A7, 64).Ecall()
         .Li(A0, 2).Addi(A1, S0, -4).Li(A2, 4).Li(A7, 64).Ecall()
         .ExitWithReg(T0);
        return ElfBuilder.Program(a);
    }

    private static byte[] Input(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 37 + 11)).ToArray();

    [Theory]
    [InlineData(4, 5, 120)]
    [InlineData(6, 64, 400)]
    [InlineData(10, 1000, 5000)]
    [InlineData(20, 1000, 5000)]
    public void SegmentsRoundTripFromTheirCheckpoints(int po2, int chunk, int inputLength)
    {
        ProgramImage img = Program(chunk);
        byte[] input = Input(inputLength);
        var pre = Executor.Run(img, input, new ExecutionOptions { SegmentPo2 = po2 });
        var traced = Executor.Run(img, input, new ExecutionOptions { SegmentPo2 = po2, RecordTrace = true });

        Assert.Equal(pre.ExitCode, traced.ExitCode);
        Assert.Equal(pre.Journal, traced.Journal);
        Assert.Equal(pre.Cycles, traced.Cycles);
        Assert.Equal(pre.Segments.Count, traced.Segments.Count);

        for (int i = 0; i < traced.Segments.Count; i++)
        {
            Segment s = traced.Segments[i];
            Segment p = pre.Segments[i];
            Assert.Equal((p.StartCycle, p.EndCycle, p.StartPc, p.EndPc), (s.StartCycle, s.EndCycle, s.StartPc, s.EndPc));
            Assert.Equal(p.EndRegisters, s.EndRegisters);
            Assert.True(s.Cycles <= 1L << po2 && s.Cycles > 0);
            Assert.True(s.HasBoundaryData);
            if (i > 0)
            {
                Segment prev = traced.Segments[i - 1];
                Assert.Equal(prev.EndCycle, s.StartCycle);
                Assert.Equal(prev.EndPc, s.StartPc);
                Assert.Equal(prev.EndRegisters, s.StartRegisters);
                Assert.Equal(prev.EndInputOffset, s.InputOffset);
                Assert.Equal(prev.EndJournalLength, s.JournalLength);
                // a word's initial value in this segment is its last value in the segment before, when touched there
                var last = prev.FinalWords.ToDictionary(w => w.Address, w => w.Value);
                foreach (BoundaryWord w in s.InitialWords)
                    if (last.TryGetValue(w.Address, out uint v)) Assert.Equal(v, w.Value);
            }
            Assert.All(s.InitialWords, w => Assert.InRange(w.Timestamp, 4 * s.StartCycle, 4 * s.EndCycle - 1));
            Assert.All(s.Accesses, w => Assert.Equal(0u, w.Address & 3));
            Assert.Equal(s.Accesses.Select(a => a.Timestamp).Order(), s.Accesses.Select(a => a.Timestamp));
            Assert.Equal(s.Accesses.Count, s.Accesses.Select(a => a.Timestamp).Distinct().Count());

            Segment again = Executor.RunSegment(img, s, input);
            Assert.Equal((s.Index, s.StartCycle, s.EndCycle, s.StartPc, s.EndPc, s.ExitCode), (again.Index, again.StartCycle, again.EndCycle, again.StartPc, again.EndPc, again.ExitCode));
            Assert.Equal((s.InputOffset, s.EndInputOffset, s.JournalLength, s.EndJournalLength), (again.InputOffset, again.EndInputOffset, again.JournalLength, again.EndJournalLength));
            Assert.Equal(s.StartRegisters, again.StartRegisters);
            Assert.Equal(s.EndRegisters, again.EndRegisters);
            Assert.Equal(s.InitialWords, again.InitialWords);
            Assert.Equal(s.FinalWords, again.FinalWords);
            Assert.Equal(s.Accesses, again.Accesses);
        }
        Assert.Equal(pre.ExitCode, traced.Segments[^1].ExitCode);
    }

    [Fact]
    public void BoundaryOnlyRunThenSegmentReplayGivesTheFullTrace()
    {
        // Phase 1 of proving: boundary tables only; phase 2: each segment's accesses from its checkpoint.
        var img = Program(40);
        var input = Input(40);
        var full = Executor.Run(img, input, new ExecutionOptions { SegmentPo2 = 6, RecordTrace = true });
        var light = Executor.Run(img, input, new ExecutionOptions { SegmentPo2 = 6, RecordTrace = true, KeepAccesses = false });
        Assert.Equal(full.Segments.Count, light.Segments.Count);
        for (int i = 0; i < full.Segments.Count; i++)
        {
            Assert.Empty(light.Segments[i].Accesses);
            Assert.Equal(full.Segments[i].InitialWords, light.Segments[i].InitialWords);
            Assert.Equal(full.Segments[i].FinalWords, light.Segments[i].FinalWords);
            var replay = Executor.RunSegment(img, light.Segments[i], input);
            Assert.Equal(full.Segments[i].Accesses, replay.Accesses);
            Assert.NotEmpty(replay.Accesses);
        }
    }

    [Fact]
    public void RegistersLiveInPageZeroWithSlotTimestamps()
    {
        var a = new Rv32Assembler();
        a.Addi(T0, Zero, 5)          // cycle 0: rs1 = x0 not recorded, rd write at ts 3
         .Op("add", T1, T0, T0)      // cycle 1: reads x5 at ts 4 and 5, writes x6 at ts 7
         .Li(S0, D).Sw(T1, S0, 8)    // cycles 2-3 (li), cycle 4: store at ts 18
         .Exit(0);
        var r = Executor.Run(ElfBuilder.Program(a), [], new ExecutionOptions { RecordTrace = true });
        var acc = r.Segments[0].Accesses;
        Assert.Equal(new MemoryAccess(4 * T0, 5, 3, true), acc[0]);
        Assert.Equal(new MemoryAccess(4 * T0, 5, 4, false), acc[1]);
        Assert.Equal(new MemoryAccess(4 * T0, 5, 5, false), acc[2]);
        Assert.Equal(new MemoryAccess(4 * T1, 10, 7, true), acc[3]);
        Assert.Contains(new MemoryAccess(D + 8, 10, 4 * 4 + 2, true), acc);
        BoundaryWord first = r.Segments[0].InitialWords.Single(w => w.Address == 4 * T0);
        Assert.Equal(new BoundaryWord(4 * T0, 0, 3), first);
    }

    [Fact]
    public void RunSegmentRejectsAPreflightCheckpoint()
    {
        var r = Executor.Run(Program(8), Input(20));
        Assert.Throws<ArgumentException>(() => Executor.RunSegment(Program(8), r.Segments[0], Input(20)));
    }

    [Fact]
    public void RunSegmentDetectsAnIncompleteCheckpoint()
    {
        ProgramImage img = Program(8);
        var r = Executor.Run(img, Input(50), new ExecutionOptions { RecordTrace = true, SegmentPo2 = 8 });
        Segment s = r.Segments[1];
        var broken = new Segment
        {
            Index = s.Index, StartCycle = s.StartCycle, StartPc = s.StartPc, StartRegisters = s.StartRegisters,
            InputOffset = s.InputOffset, JournalLength = s.JournalLength,
            EndCycle = s.EndCycle, HasBoundaryData = true, InitialWords = s.InitialWords.Skip(1).ToArray(),
        };
        Assert.Throws<InvalidOperationException>(() => Executor.RunSegment(img, broken, Input(50)));
    }
}
