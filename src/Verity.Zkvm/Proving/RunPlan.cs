using Verity.Algebra;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Chips;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Programs;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Proving;

/// <summary>
/// A run after phase 1: the executed segments with their boundaries, every table's height, the segment headers,
/// the memory table's rows and the claim — everything needed to fill any table of any segment. Both the prover and
/// the witness checker work from it.
/// </summary>
internal sealed class RunPlan
{
    private readonly ZkvmProveOptions _options;

    private RunPlan(ProgramImage image, byte[] input, ZkvmProveOptions options, ExecutionResult run, SegmentCircuit circuit)
    {
        _options = options;
        Image = image;
        Input = input;
        Run = run;
        Circuit = circuit;
        Boundaries = RunLayout.Boundaries(image, input, run, options.SegmentPo2);
        int count = run.Segments.Count;
        LogHeights = new int[count][];
        Headers = new SegmentHeader[count];
        for (int i = 0; i < count; i++)
        {
            var seg = run.Segments[i];
            LogHeights[i] = [.. Circuit.Chips.Select(c => LogHeightFor(c.Rows(seg)))];
            Headers[i] = new SegmentHeader(seg.StartPc, seg.StartCycle + 1, seg.EndPc, seg.EndCycle + 1);
        }
        MemoryWords = RunLayout.MemoryWords(image, run);
        MemoryHeights = [LogHeightFor(MemoryWords.Count), Log2(ByteTableChip.Height)];
        InputConsumed = checked((uint)run.InputBytesRead);
        Claim = new Claim(image.ImageId, Claim.DigestInput(input), run.Journal, unchecked((uint)run.ExitCode));
        if (options.TamperClaim is { } tamper) (Claim, InputConsumed) = tamper(Claim, InputConsumed);
        // Both factories end here: no plan exists for a run whose actual table heights fall below the minimum security.
        ReceiptSecurity.EnsureRun(this, options);
    }

    public ProgramImage Image { get; }
    public byte[] Input { get; }
    public ExecutionResult Run { get; }
    public SegmentCircuit Circuit { get; }
    public SegmentBoundary[] Boundaries { get; }
    public int[][] LogHeights { get; }
    public SegmentHeader[] Headers { get; }
    public List<MemoryWord> MemoryWords { get; }
    public int[] MemoryHeights { get; }
    public uint InputConsumed { get; }
    public Claim Claim { get; }
    public int SegmentCount => Headers.Length;
    public int SegmentPo2 => _options.SegmentPo2;

    public bool Matches(ProgramImage image, byte[] input, ZkvmProveOptions? options = null) =>
        ReferenceEquals(image, Image) && ReferenceEquals(input, Input) && (options is null || ReferenceEquals(options, _options));

    /// <summary>
    /// The plan of a run executed earlier (an execute task's output). Refuses options whose proofs would fall below
    /// the minimum security (<see cref="ReceiptSecurity"/>), so a prove task never proves one.
    /// </summary>
    public static RunPlan FromExecuted(ProgramImage image, byte[] input, ZkvmProveOptions options, ExecutionResult run)
    {
        var circuit = new SegmentCircuit(new ProgramRom(image));
        ReceiptSecurity.EnsureSegmentSize(circuit, options);
        return new RunPlan(image, input, options, run, circuit);
    }

    /// <summary>
    /// Phase 1: executes the whole run, recording only segment boundaries and per-segment operation counts. Refuses
    /// a segment size whose proofs could fall below the minimum security before executing anything, and the run's
    /// actual table heights before anything is committed (<see cref="ReceiptSecurity"/>).
    /// </summary>
    public static RunPlan Execute(ProgramImage image, byte[] input, ZkvmProveOptions options)
    {
        if (options.SegmentPo2 is < 4 or > 24) throw new ArgumentOutOfRangeException(nameof(options), options.SegmentPo2, "SegmentPo2 must be between 4 and 24");
        if (options.MaxCycles >= 1L << 38) throw new ArgumentOutOfRangeException(nameof(options), options.MaxCycles, "proofs cover runs of fewer than 2^38 cycles");
        var circuit = new SegmentCircuit(new ProgramRom(image));
        ReceiptSecurity.EnsureSegmentSize(circuit, options);
        var run = Executor.Run(image, input, new ExecutionOptions
        {
            RecordTrace = true,
            KeepAccesses = false,
            SegmentPo2 = options.SegmentPo2,
            MaxCycles = options.MaxCycles,
            MaxMemoryBytes = options.MaxMemoryBytes,
        });
        if (run.Journal.LongLength >= 1L << 32) throw new InvalidOperationException("the journal exceeds 4 GiB");
        return new RunPlan(image, input, options, run, circuit);
    }

    /// <summary>The precommitted tables of segment <paramref name="i"/>, in table order (filled exactly as in phase 2).</summary>
    public IEnumerable<(int Table, TraceColumns Trace)> PrecommittedTraces(int i)
    {
        foreach (int k in Circuit.PrecommittedTables)
        {
            var chip = (PrecommittedChip)Circuit.Chips[k];
            var trace = new TraceColumns(chip.Layout.Width, 1 << LogHeights[i][k]);
            chip.Fill(trace, Boundaries[i], new LookupCounts(Circuit.Rom));
            _options.TamperTrace?.Invoke(i, chip.Name, trace);
            yield return (k, trace);
        }
    }

    /// <summary>The run's memory table and the range lookups it makes (for the memory proof's byte table).</summary>
    public (TraceColumns Trace, LookupCounts Counts) MemoryTable()
    {
        var memory = MemoryCircuit.Instance;
        var counts = new LookupCounts(null);
        var trace = new TraceColumns(memory.Table.Layout.Width, 1 << MemoryHeights[0]);
        memory.Table.Fill(trace, MemoryWords, counts);
        _options.TamperTrace?.Invoke(-1, memory.Table.Name, trace);
        return (trace, counts);
    }

    public Goldilocks[][][] MemoryTraces()
    {
        var (table, counts) = MemoryTable();
        var bytes = new TraceColumns(MemoryCircuit.Instance.Bytes.Layout.Width, ByteTableChip.Height);
        MemoryCircuit.Instance.Bytes.Fill(bytes, counts);
        _options.TamperTrace?.Invoke(-1, MemoryCircuit.Instance.Bytes.Name, bytes);
        return [table.Columns, bytes.Columns];
    }

    /// <summary>Phase 2 witness: replays segment <paramref name="i"/> from its checkpoint and fills every table.</summary>
    public Goldilocks[][][] SegmentTraces(int i, ProvingReport report)
    {
        var replay = Executor.RunSegment(Image, Run.Segments[i], Input, new ExecutionOptions
        {
            RecordTrace = true,
            KeepAccesses = true,
            MaxMemoryBytes = _options.MaxMemoryBytes,
        });
        var witness = new SegmentWitness(Circuit.Rom, replay, Boundaries[i]);
        var counts = new LookupCounts(Circuit.Rom);
        var traces = new TraceColumns[Circuit.Chips.Count];
        // Lookup tables last: their multiplicities count what every other table used.
        var order = Enumerable.Range(0, Circuit.Chips.Count).OrderBy(k => Circuit.Chips[k] is ProgramChip or ByteTableChip ? 1 : 0);
        foreach (int k in order)
        {
            var chip = Circuit.Chips[k];
            var trace = new TraceColumns(chip.Layout.Width, 1 << LogHeights[i][k]);
            chip.Fill(trace, witness, counts);
            _options.TamperTrace?.Invoke(i, chip.Name, trace);
            traces[k] = trace;
            report.Account(chip.Name, Circuit.Air.Tables[k], chip.Rows(Run.Segments[i]), trace.Height);
        }
        return [.. traces.Select(t => t.Columns)];
    }

    /// <summary>The public inputs of segment <paramref name="i"/>, as the verifier will derive them.</summary>
    public Goldilocks[] Statement(int i) => Statement(Claim, Headers, i, InputConsumed, Input.Length, SegmentPo2);

    public static Goldilocks[] Statement(Claim claim, SegmentHeader[] headers, int i, uint inputConsumed, int inputLength, int segmentPo2) => new SegmentStatement
    {
        ImageId = claim.ImageId.ToArray(),
        SegmentIndex = i,
        SegmentCount = headers.Length,
        StartPc = headers[i].StartPc,
        StartClk = headers[i].StartClk,
        EndPc = headers[i].EndPc,
        EndClk = headers[i].EndClk,
        Halted = i == headers.Length - 1,
        ExitCode = claim.ExitCode,
        InputConsumed = inputConsumed,
        JournalLength = (uint)claim.Journal.Length,
        InputLength = (uint)inputLength,
        SegmentCycles = 1u << segmentPo2,
    }.ToFieldElements();

    public static Goldilocks[] MemoryStatement(Claim claim) => SegmentStatement.ImageIdFieldElements(claim.ImageId.ToArray());

    private static int Log2(int n) => System.Numerics.BitOperations.Log2((uint)n);

    /// <summary>A table's height for this many rows: a power of two, at least 2^<see cref="ReceiptSecurity.MinLogTableHeight"/>.</summary>
    internal static int LogHeightFor(long rows) => Math.Max(ReceiptSecurity.MinLogTableHeight, Log2(TraceColumns.HeightFor(rows)));
}
