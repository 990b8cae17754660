using System.Diagnostics;
using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Prover;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Chips;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Programs;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Proving;

/// <summary>
/// Proves a guest run as a composite receipt (DESIGN §4.4): phase 1 executes the whole run once, recording only
/// segment boundaries, and commits every segment's boundary and IO tables and the run's memory table; the global
/// challenge is drawn from those commitments and the claim; phase 2 replays and proves each segment independently
/// (<see cref="Executor.RunSegment"/> regenerates its full trace from the checkpoint), then the memory table.
/// </summary>
public static class ZkvmProver
{
    public static Receipt Prove(ProgramImage image, byte[] input, ZkvmProveOptions? options = null, ProvingReport? report = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(input);
        options ??= new ZkvmProveOptions();
        report ??= new ProvingReport();
        if (options.SegmentPo2 is < 4 or > 24) throw new ArgumentOutOfRangeException(nameof(options), options.SegmentPo2, "SegmentPo2 must be between 4 and 24");
        if (options.MaxCycles >= 1L << 38) throw new ArgumentOutOfRangeException(nameof(options), options.MaxCycles, "proofs cover runs of fewer than 2^38 cycles");
        var parameters = options.Parameters;
        var total = Stopwatch.StartNew();
        var sw = Stopwatch.StartNew();

        // Phase 1: execute, recording boundary tables and per-segment op counts only.
        options.Progress?.Report(new ProvingProgress("execute", 0, 0));
        var run = Executor.Run(image, input, new ExecutionOptions
        {
            RecordTrace = true,
            KeepAccesses = false,
            SegmentPo2 = options.SegmentPo2,
            MaxCycles = options.MaxCycles,
            MaxMemoryBytes = options.MaxMemoryBytes,
        });
        if (run.Journal.LongLength >= 1L << 32) throw new InvalidOperationException("the journal exceeds 4 GiB");
        report.ExecuteMs = sw.Elapsed.TotalMilliseconds;
        report.Cycles = run.Cycles;
        report.Segments = run.Segments.Count;

        sw.Restart();
        options.Progress?.Report(new ProvingProgress("commit", 0, run.Segments.Count));
        var circuit = new SegmentCircuit(new ProgramRom(image));
        var boundaries = RunLayout.Boundaries(image, input, run);
        int count = run.Segments.Count;
        var logHeights = new int[count][];
        var commitments = new GlobalChallenge.SegmentCommitments[count];
        var headers = new SegmentHeader[count];
        for (int i = 0; i < count; i++)
        {
            var seg = run.Segments[i];
            logHeights[i] = [.. circuit.Chips.Select(c => Log2(TraceColumns.HeightFor(c.Rows(seg))))];
            headers[i] = new SegmentHeader(seg.StartPc, seg.StartCycle + 1, seg.EndPc, seg.EndCycle + 1);
            var roots = new List<Digest>();
            foreach (int k in circuit.PrecommittedTables)
            {
                var trace = FillPrecommitted(circuit.Chips[k], boundaries[i], 1 << logHeights[i][k], new LookupCounts(circuit.Rom));
                options.TamperTrace?.Invoke(i, circuit.Chips[k].Name, trace);
                roots.Add(StarkProver.CommitMainTrace(circuit.Air, k, trace.Columns, logHeights[i], parameters));
            }
            commitments[i] = new GlobalChallenge.SegmentCommitments(headers[i], logHeights[i], roots);
        }
        var memory = MemoryCircuit.Instance;
        var words = RunLayout.MemoryWords(image, run);
        int[] memoryHeights = [Log2(TraceColumns.HeightFor(words.Count)), Log2(ByteTableChip.Height)];
        var memoryCounts = new LookupCounts(null);
        var memoryTrace = new TraceColumns(memory.Table.Layout.Width, 1 << memoryHeights[0]);
        memory.Table.Fill(memoryTrace, words, memoryCounts);
        options.TamperTrace?.Invoke(-1, memory.Table.Name, memoryTrace);
        var memoryRoot = StarkProver.CommitMainTrace(memory.Air, 0, memoryTrace.Columns, memoryHeights, parameters);

        uint consumed = checked((uint)run.InputBytesRead);
        var claim = new Claim(image.ImageId, Claim.DigestInput(input), run.Journal, unchecked((uint)run.ExitCode));
        var challenges = GlobalChallenge.Derive(parameters, claim, input.Length, consumed, options.SegmentPo2, commitments, memoryHeights, memoryRoot);
        report.CommitMs = sw.Elapsed.TotalMilliseconds;

        // Phase 2: every segment proof is independent given the challenges (and could run elsewhere).
        var workspace = new ProverWorkspace();
        var proverOptions = new ProverOptions { ExternalChallenges = challenges, RejectInvalidWitness = options.RejectInvalidWitness, Workspace = workspace };
        var proofs = new StarkProof[count];
        var imageIdBytes = image.ImageId.ToArray();
        for (int i = 0; i < count; i++)
        {
            options.Progress?.Report(new ProvingProgress("segment", i, count));
            sw.Restart();
            var replay = Executor.RunSegment(image, run.Segments[i], input, new ExecutionOptions
            {
                RecordTrace = true,
                KeepAccesses = true,
                MaxMemoryBytes = options.MaxMemoryBytes,
            });
            var witness = new SegmentWitness(circuit.Rom, replay, boundaries[i]);
            var traces = FillSegment(circuit, witness, logHeights[i], i, options.TamperTrace, report);
            report.WitnessMs += sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            var statement = new SegmentStatement
            {
                ImageId = imageIdBytes,
                SegmentIndex = i,
                SegmentCount = count,
                StartPc = headers[i].StartPc,
                StartClk = headers[i].StartClk,
                EndPc = headers[i].EndPc,
                EndClk = headers[i].EndClk,
                Halted = i == count - 1,
                ExitCode = claim.ExitCode,
                InputConsumed = consumed,
                JournalLength = (uint)run.Journal.Length,
                InputLength = (uint)input.Length,
            };
            proofs[i] = StarkProver.Prove(circuit.Air, traces, statement.ToFieldElements(), parameters, proverOptions);
            report.StarkMs += sw.Elapsed.TotalMilliseconds;
            report.PeakSegmentBytes = Math.Max(report.PeakSegmentBytes, GC.GetTotalMemory(false));
        }

        options.Progress?.Report(new ProvingProgress("memory", count, count));
        sw.Restart();
        var bytesTrace = new TraceColumns(memory.Bytes.Layout.Width, ByteTableChip.Height);
        memory.Bytes.Fill(bytesTrace, memoryCounts);
        var memoryProof = StarkProver.Prove(memory.Air, [memoryTrace.Columns, bytesTrace.Columns], MemoryPublicInputs(imageIdBytes), parameters, proverOptions);
        report.StarkMs += sw.Elapsed.TotalMilliseconds;
        Account(report, memory.Table.Name, memory.Air.Tables[0], words.Count, memoryTrace.Height);
        report.TotalMs = total.Elapsed.TotalMilliseconds;

        return new Receipt
        {
            Claim = claim,
            Image = image,
            Input = input,
            InputConsumed = consumed,
            SegmentPo2 = options.SegmentPo2,
            Segments = headers,
            SegmentProofs = proofs,
            MemoryProof = memoryProof,
        };
    }

    internal static Goldilocks[] MemoryPublicInputs(byte[] imageId) =>
        [.. Enumerable.Range(0, SegmentStatement.ImageIdWords).Select(i => new Goldilocks(BitConverter.ToUInt32(imageId, 4 * i)))];

    private static TraceColumns FillPrecommitted(Chip chip, SegmentBoundary boundary, int height, LookupCounts counts)
    {
        var trace = new TraceColumns(chip.Layout.Width, height);
        ((PrecommittedChip)chip).Fill(trace, boundary, counts);
        return trace;
    }

    private static Goldilocks[][][] FillSegment(SegmentCircuit circuit, SegmentWitness witness, int[] logHeights, int index,
        Action<int, string, TraceColumns>? tamper, ProvingReport report)
    {
        var counts = new LookupCounts(circuit.Rom);
        var traces = new TraceColumns[circuit.Chips.Count];
        // Lookup tables last: their multiplicities count what every other table used.
        var order = Enumerable.Range(0, circuit.Chips.Count).OrderBy(k => circuit.Chips[k] is ProgramChip or ByteTableChip ? 1 : 0);
        foreach (int k in order)
        {
            var chip = circuit.Chips[k];
            var trace = new TraceColumns(chip.Layout.Width, 1 << logHeights[k]);
            chip.Fill(trace, witness, counts);
            tamper?.Invoke(index, chip.Name, trace);
            traces[k] = trace;
            Account(report, chip.Name, circuit.Air.Tables[k], chip.Rows(witness.Boundary.Segment), trace.Height);
        }
        return [.. traces.Select(t => t.Columns)];
    }

    private static void Account(ProvingReport report, string name, TableDefinition table, long rows, int height)
    {
        report.CellsByTable[name] = report.CellsByTable.GetValueOrDefault(name) + (long)height * (table.PreprocessedWidth + table.MainWidth + 3L * table.AuxWidth);
        report.RowsByTable[name] = report.RowsByTable.GetValueOrDefault(name) + rows;
    }

    private static int Log2(int n) => System.Numerics.BitOperations.Log2((uint)n);
}
