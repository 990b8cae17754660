using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Proving;

/// <summary>How to prove a run.</summary>
public sealed record ZkvmProveOptions
{
    /// <summary>
    /// The segment sizes the zkVM proves: 2^4..2^24 cycles. Every entry point (the CLI's commands, the REST API,
    /// the cluster's job checks) takes its po2 range from here. Some parameter sets refuse the largest sizes for
    /// security (<see cref="ReceiptSecurity.EnsureSegmentSize(StarkParameters, int, double)"/>).
    /// </summary>
    public const int MinSegmentPo2 = 4, MaxSegmentPo2 = 24;

    /// <summary>"4..24", for messages.</summary>
    public static readonly string SegmentPo2Range = $"{MinSegmentPo2}..{MaxSegmentPo2}";

    /// <summary>Whether <paramref name="po2"/> is in <see cref="MinSegmentPo2"/>..<see cref="MaxSegmentPo2"/>.</summary>
    public static bool IsSegmentPo2(int po2) => po2 is >= MinSegmentPo2 and <= MaxSegmentPo2;

    /// <summary>Segments hold at most 2^SegmentPo2 cycles (<see cref="MinSegmentPo2"/>..<see cref="MaxSegmentPo2"/>).</summary>
    public int SegmentPo2 { get; init; } = 20;
    public StarkParameters Parameters { get; init; } = StarkParameters.Default;
    public long MaxCycles { get; init; } = 1L << 32;
    public long MaxMemoryBytes { get; init; } = 1L << 30;

    /// <summary>
    /// The prover refuses, before proving, options whose proofs would fall below this many provable bits
    /// (<see cref="ReceiptSecurity"/>): the default verifier's minimum, so it never makes a proof that verifier
    /// rejects. 0 turns the check off. Parameter sets marked insecure are not checked: the default verifier refuses
    /// them outright, and a verifier that accepts them (tests) skips its minimum too.
    /// </summary>
    public double MinimumProvableBits { get; init; } = VerifierOptions.Default.MinimumProvableBits;

    /// <summary>Reports each phase and segment as it starts.</summary>
    public IProgress<ProvingProgress>? Progress { get; init; }

    /// <summary>
    /// Test-only: when false the prover skips its own constraint and bus checks and proves whatever witness it has,
    /// so tests can confirm the verifier rejects tampered traces.
    /// </summary>
    public bool RejectInvalidWitness { get; init; } = true;

    /// <summary>Test-only: called on every table trace after it is filled (segment index, −1 for the memory proof).</summary>
    internal Action<int, string, TraceColumns>? TamperTrace { get; init; }

    /// <summary>Test-only: replaces the claim and the input bytes consumed the receipt states (forgery tests).</summary>
    internal Func<Receipts.Claim, uint, (Receipts.Claim, uint)>? TamperClaim { get; init; }
}

/// <summary>A proving step: "execute" (phase 1 starts), "commit" (phase 1 done: the segment count is known), "segment" (phase 2, with its index) or "memory".</summary>
public readonly record struct ProvingProgress(string Phase, int Segment, int Segments);

/// <summary>Timings and sizes of one proving run.</summary>
public sealed class ProvingReport
{
    public long Cycles { get; set; }
    public int Segments { get; set; }
    public double ExecuteMs { get; set; }
    public double CommitMs { get; set; }
    public double WitnessMs { get; set; }
    public double StarkMs { get; set; }
    public double TotalMs { get; set; }
    /// <summary>Largest managed heap seen after a segment proof (bytes).</summary>
    public long PeakSegmentBytes { get; set; }
    /// <summary>Committed cells (main + 3 per extension aux column, padded rows included) per table name, over all segments.</summary>
    public Dictionary<string, long> CellsByTable { get; } = [];
    /// <summary>Real (unpadded) rows per table name, over all segments.</summary>
    public Dictionary<string, long> RowsByTable { get; } = [];

    internal void Account(string name, Stark.Air.Model.TableDefinition table, long rows, int height)
    {
        CellsByTable[name] = CellsByTable.GetValueOrDefault(name) + (long)height * (table.PreprocessedWidth + table.MainWidth + 3L * table.AuxWidth);
        RowsByTable[name] = RowsByTable.GetValueOrDefault(name) + rows;
    }
}
