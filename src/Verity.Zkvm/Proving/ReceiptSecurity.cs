using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Security;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Programs;
using Verity.Zkvm.Receipts;

namespace Verity.Zkvm.Proving;

/// <summary>
/// The security of a composite receipt (docs/SOUNDNESS.md, "Security of a receipt"). Whole figures are rounded down.
/// </summary>
/// <param name="Parameters">The STARK parameter set.</param>
/// <param name="SegmentPo2">Segments hold at most 2^SegmentPo2 cycles.</param>
/// <param name="Segments">Number of segment proofs S (the receipt has S + 1 proofs with the memory proof).</param>
/// <param name="Segment">The weakest segment proof's statement (for an estimate: a full segment, every table
/// anywhere from the minimum height to 2^po2 rows).</param>
/// <param name="WeakestSegment">Index of that segment in the receipt; −1 for an estimate.</param>
/// <param name="Memory">The memory proof's statement.</param>
/// <param name="GlobalBuses">The global buses' LogUp terms under the global challenge (γₑ, βₑ), over the whole receipt.</param>
/// <param name="GlobalLogUpBits">Their union (unrounded).</param>
/// <param name="TotalBitsExact">Union bound over every segment proof, the memory proof and the global buses (unrounded).</param>
/// <param name="IsEstimate">True for <see cref="ReceiptSecurity.Estimate"/> (a model of the heights), false for a real receipt or run.</param>
public sealed record ReceiptSecurityReport(
    StarkParameters Parameters,
    int SegmentPo2,
    int Segments,
    StatementSecurityReport Segment,
    int WeakestSegment,
    StatementSecurityReport Memory,
    IReadOnlyList<BusSecurity> GlobalBuses,
    double GlobalLogUpBits,
    double TotalBitsExact,
    bool IsEstimate)
{
    /// <summary>The receipt's provable bits: <see cref="TotalBitsExact"/> rounded down.</summary>
    public double TotalBits => SecurityCalculator.WholeBits(TotalBitsExact);

    /// <summary>The fewest provable bits of any one proof of the receipt: what the verifier's minimum applies to.</summary>
    public double ProofBits => Math.Min(Segment.ProvableBits, Memory.ProvableBits);
}

/// <summary>
/// The options give proofs below the verifier's minimum security: the prover refuses them before proving.
/// </summary>
public sealed class InsufficientSecurityException(string message, int segmentPo2, double provableBits, double minimumBits)
    : ArgumentException(message)
{
    public int SegmentPo2 { get; } = segmentPo2;
    public double ProvableBits { get; } = provableBits;
    public double MinimumBits { get; } = minimumBits;
}

/// <summary>
/// Security figures for zkVM receipts, and the prover's checks that it never makes a proof the verifier refuses.
///
/// A receipt with S segments holds S + 1 STARK proofs (the segments and the memory proof) and the global buses that
/// tie them, balanced under the global challenge. Each proof's figure is <see cref="StatementSecurity"/>'s (its
/// weakest table, its local buses); the receipt's is a union bound over the S + 1 proofs and the global buses'
/// LogUp error: a false claim needs just one of them to fail. Every table is padded to at least
/// 2^<see cref="MinLogTableHeight"/> rows, where the shipped parameter sets give ≥ 100 provable bits.
/// </summary>
public static class ReceiptSecurity
{
    /// <summary>
    /// Every table of a zkVM proof has at least 2^6 = 64 rows. Small tables get fewer provable bits (the Johnson
    /// proximity parameter m is bounded by the height): with the default set 8 rows give 90 bits, 16 give 97,
    /// 32 give 100; blowup4 needs 64 rows (98 bits at 32). 64 is the smallest height at which every shipped
    /// secure set reaches 100 bits for both zkVM AIRs (a test recomputes this). Padding idle tables costs a few
    /// thousand cells per segment.
    /// </summary>
    public const int MinLogTableHeight = 6;

    /// <summary>
    /// An estimate for S segments of at most 2^<paramref name="segmentPo2"/> cycles, without running anything:
    /// each segment table anywhere from 2^<see cref="MinLogTableHeight"/> to 2^po2 rows (the ROM at its height
    /// when <paramref name="image"/> is given, else in the same range; the byte table at 2^16), the memory table
    /// anywhere up to one row per cycle (2^(po2 + ⌈log2 S⌉), at most 2^26), and the global buses at those largest
    /// heights, doubled for the verifier's own terms (each balances at most one table term). The boundary and IO
    /// tables can exceed 2^po2 rows in a segment that touches or moves more than one word or byte per cycle; real
    /// runs are checked on their actual heights (<see cref="ForReceipt"/>, and the prover before proving).
    /// </summary>
    public static ReceiptSecurityReport Estimate(StarkParameters parameters, int segmentPo2, int segments, ProgramImage? image = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!ZkvmProveOptions.IsSegmentPo2(segmentPo2))
            throw new ArgumentOutOfRangeException(nameof(segmentPo2), segmentPo2, $"segment po2 must be in {ZkvmProveOptions.SegmentPo2Range}");
        if (segments < 1) throw new ArgumentOutOfRangeException(nameof(segments), segments, "a receipt has at least one segment");
        var circuit = new SegmentCircuit(new ProgramRom(image ?? PlaceholderImage.Value));
        return Estimate(circuit, parameters, segmentPo2, segments, romKnown: image != null);
    }

    /// <summary>The figures of a receipt from its proofs' actual table heights.</summary>
    public static ReceiptSecurityReport ForReceipt(Receipt receipt, StarkParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(parameters);
        var circuit = new SegmentCircuit(new ProgramRom(receipt.Image));
        var heights = receipt.SegmentProofs.Select(p => p.Tables.Select(t => (int)t.LogHeight).ToArray()).ToArray();
        int[] memory = [.. receipt.MemoryProof.Tables.Select(t => (int)t.LogHeight)];
        return ForHeights(circuit, parameters, receipt.SegmentPo2, heights, memory,
            imageWords: RunLayout.ImageWords(receipt.Image).Count(), ioBytes: (long)receipt.InputConsumed + receipt.Claim.Journal.Length);
    }

    /// <summary>
    /// Refuses (throws <see cref="InsufficientSecurityException"/>) options whose segment proofs could fall below the
    /// minimum security: a full segment of 2^po2 cycles (see <see cref="Estimate"/>) with the options' parameters.
    /// Runs nothing; the prover calls it before executing, and again on the run's actual heights before proving.
    /// </summary>
    public static void EnsureProvable(ProgramImage image, ZkvmProveOptions options)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(options);
        if (Unchecked(options)) return;
        EnsureSegmentSize(new SegmentCircuit(new ProgramRom(image)), options);
    }

    /// <summary>
    /// Refuses (throws <see cref="InsufficientSecurityException"/>) a segment size that no program can prove with
    /// <paramref name="parameters"/> at <paramref name="minimumProvableBits"/> (default: the default verifier's
    /// minimum): the check of <see cref="EnsureProvable"/> with the smallest program ROM, which every real program's
    /// check includes. Needs no image, so a job can be refused when it is submitted rather than when it executes.
    /// </summary>
    public static void EnsureSegmentSize(StarkParameters parameters, int segmentPo2, double minimumProvableBits = double.NaN)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!ZkvmProveOptions.IsSegmentPo2(segmentPo2))
            throw new ArgumentOutOfRangeException(nameof(segmentPo2), segmentPo2, $"segment po2 must be in {ZkvmProveOptions.SegmentPo2Range}");
        var options = new ZkvmProveOptions { Parameters = parameters, SegmentPo2 = segmentPo2 };
        if (!double.IsNaN(minimumProvableBits)) options = options with { MinimumProvableBits = minimumProvableBits };
        if (Unchecked(options)) return;
        // The answer depends only on (parameters, po2, minimum); the models take milliseconds, so keep them.
        var key = (parameters.Name, segmentPo2, options.MinimumProvableBits);
        var refusal = SegmentSizeRefusals.GetOrAdd(key, _ =>
        {
            try { EnsureSegmentSize(PlaceholderCircuit.Value, options); return null; }
            catch (InsufficientSecurityException e) { return e; }
        });
        if (refusal is { } r) throw new InsufficientSecurityException(r.Message, r.SegmentPo2, r.ProvableBits, r.MinimumBits);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, int, double), InsufficientSecurityException?> SegmentSizeRefusals = new();

    // ---------------------------------------------------------------------------------------------
    // The prover's checks
    // ---------------------------------------------------------------------------------------------

    /// <summary>Insecure sets are refused by the default verifier outright (and tests that accept them skip the minimum too).</summary>
    private static bool Unchecked(ZkvmProveOptions options) => options.Parameters.IsInsecure || options.MinimumProvableBits <= 0;

    internal static void EnsureSegmentSize(SegmentCircuit circuit, ZkvmProveOptions options)
    {
        if (Unchecked(options)) return;
        var p = options.Parameters;
        var segment = SegmentModel(circuit, p, options.SegmentPo2, romKnown: true);
        if (segment.ProvableBits >= options.MinimumProvableBits) return;

        int? fits = null;
        for (int po2 = options.SegmentPo2 - 1; po2 >= ZkvmProveOptions.MinSegmentPo2 && fits is null; po2--)
            if (SegmentModel(circuit, p, po2, romKnown: true).ProvableBits >= options.MinimumProvableBits) fits = po2;
        string hint = fits is { } f
            ? $"use po2 {f} or less, or a stronger parameter set"
            : "no segment size reaches it with these parameters; use a stronger set";
        var weakest = segment.WeakestTable;
        string where = circuit.Air.Tables[weakest.Index].FixedLogHeight is null
            ? $"a segment table of 2^{weakest.LogHeight} rows gives {weakest.Report.ProvableBits:F0}"
            : $"table '{weakest.Name}' of 2^{weakest.LogHeight} rows gives {weakest.Report.ProvableBits:F0}";
        throw new InsufficientSecurityException(
            $"segment po2 {options.SegmentPo2} with parameters '{p.Name}' gives {segment.ProvableBits:F0} provable bits " +
            $"({where}), below the verifier's minimum of {options.MinimumProvableBits:F0}: {hint}.",
            options.SegmentPo2, segment.ProvableBits, options.MinimumProvableBits);
    }

    /// <summary>Checks the run's actual statements (every segment, the memory proof) before anything is committed.</summary>
    internal static void EnsureRun(RunPlan plan, ZkvmProveOptions options)
    {
        if (Unchecked(options)) return;
        var p = options.Parameters;
        var seen = new HashSet<string>();
        for (int i = 0; i < plan.SegmentCount; i++)
            if (seen.Add(string.Join(',', plan.LogHeights[i])))
                Ensure(StatementSecurity.Compute(plan.Circuit.Air, p, plan.LogHeights[i]), $"segment {i}");
        Ensure(StatementSecurity.Compute(MemoryCircuit.Instance.Air, p, plan.MemoryHeights), "the memory proof");

        void Ensure(StatementSecurityReport r, string what)
        {
            if (r.ProvableBits >= options.MinimumProvableBits) return;
            throw new InsufficientSecurityException(
                $"{what} of this run (segment po2 {options.SegmentPo2}, parameters '{p.Name}') would give {r.ProvableBits:F0} provable bits " +
                $"({r.DescribeWeakestTable()}), below the verifier's minimum of {options.MinimumProvableBits:F0}; nothing was proved.",
                options.SegmentPo2, r.ProvableBits, options.MinimumProvableBits);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Models
    // ---------------------------------------------------------------------------------------------

    internal static ReceiptSecurityReport Estimate(SegmentCircuit circuit, StarkParameters p, int po2, int segments, bool romKnown)
    {
        var segment = SegmentModel(circuit, p, po2, romKnown);
        var memoryAir = MemoryCircuit.Instance.Air;
        int memoryMax = Math.Clamp(po2 + (int)Math.Ceiling(Math.Log2(segments)), MinLogTableHeight, StatementTranscript.MaxLogHeight);
        var (memMin, memMax) = Ranges(memoryAir, MinLogTableHeight, memoryMax);
        var memory = StatementSecurity.Compute(memoryAir, p, memMin, memMax);

        var (_, segMax) = Ranges(circuit.Air, MinLogTableHeight, Math.Max(MinLogTableHeight, po2), romKnown ? -1 : RomTable(circuit));
        var global = new Dictionary<int, (double Fractions, int Degree)>();
        AddBuses(global, StatementSecurity.Buses(circuit.Air, segMax, BusScope.External), segments);
        AddBuses(global, StatementSecurity.Buses(memoryAir, memMax, BusScope.External), 1);
        foreach (int bus in global.Keys.ToList()) global[bus] = (2 * global[bus].Fractions, global[bus].Degree);

        var globalBuses = GlobalBuses(global);
        double globalBits = SecurityCalculator.UnionBits(globalBuses.Select(b => b.Bits));
        double total = SecurityCalculator.UnionBits(
            Enumerable.Repeat(segment.ProvableBitsExact, segments).Append(memory.ProvableBitsExact).Append(globalBits));
        return new ReceiptSecurityReport(p, po2, segments, segment, -1, memory, globalBuses, globalBits, total, IsEstimate: true);
    }

    internal static ReceiptSecurityReport ForHeights(SegmentCircuit circuit, StarkParameters p, int po2, int[][] segmentHeights, int[] memoryHeights,
        long imageWords, long ioBytes)
    {
        if (segmentHeights.Length == 0) throw new ArgumentException("a receipt has at least one segment", nameof(segmentHeights));
        var memoryAir = MemoryCircuit.Instance.Air;
        var cache = new Dictionary<string, StatementSecurityReport>();
        var reports = new StatementSecurityReport[segmentHeights.Length];
        var global = new Dictionary<int, (double Fractions, int Degree)>();
        for (int i = 0; i < reports.Length; i++)
        {
            string key = string.Join(',', segmentHeights[i]);
            if (!cache.TryGetValue(key, out var r)) cache[key] = r = StatementSecurity.Compute(circuit.Air, p, segmentHeights[i]);
            reports[i] = r;
            AddBuses(global, StatementSecurity.Buses(circuit.Air, segmentHeights[i], BusScope.External), 1);
        }
        var memory = StatementSecurity.Compute(memoryAir, p, memoryHeights);
        AddBuses(global, StatementSecurity.Buses(memoryAir, memoryHeights, BusScope.External), 1);
        // The verifier's own terms: every image word it sends, every input byte read and journal byte it receives.
        AddTerms(global, Buses.ImageWords, imageWords, degree: 3);
        AddTerms(global, Buses.GlobalIo, ioBytes, degree: 3);

        int weakest = 0;
        for (int i = 1; i < reports.Length; i++)
            if (reports[i].ProvableBitsExact < reports[weakest].ProvableBitsExact) weakest = i;
        var globalBuses = GlobalBuses(global);
        double globalBits = SecurityCalculator.UnionBits(globalBuses.Select(b => b.Bits));
        double total = SecurityCalculator.UnionBits(reports.Select(r => r.ProvableBitsExact).Append(memory.ProvableBitsExact).Append(globalBits));
        return new ReceiptSecurityReport(p, po2, reports.Length, reports[weakest], weakest, memory, globalBuses, globalBits, total, IsEstimate: false);
    }

    /// <summary>A full segment at po2: every table that is not fixed anywhere in 2^MinLogTableHeight..2^po2 rows.</summary>
    private static StatementSecurityReport SegmentModel(SegmentCircuit circuit, StarkParameters p, int po2, bool romKnown)
    {
        var (min, max) = Ranges(circuit.Air, MinLogTableHeight, Math.Max(MinLogTableHeight, po2), romKnown ? -1 : RomTable(circuit));
        return StatementSecurity.Compute(circuit.Air, p, min, max);
    }

    private static int RomTable(SegmentCircuit circuit) => circuit.Chips.ToList().FindIndex(c => c is Chips.ProgramChip);

    /// <summary>
    /// Height ranges per table: min..max, except tables whose preprocessed columns fix their height (the byte table's
    /// 2^16 rows, the ROM's from the program). Table <paramref name="unknownFixed"/> (the ROM without a program) is
    /// taken in the range too.
    /// </summary>
    private static (int[] Min, int[] Max) Ranges(AirDefinition air, int min, int max, int unknownFixed = -1)
    {
        var lo = new int[air.Tables.Count];
        var hi = new int[air.Tables.Count];
        for (int t = 0; t < lo.Length; t++)
            (lo[t], hi[t]) = air.Tables[t].FixedLogHeight is { } f && t != unknownFixed ? (f, f) : (min, max);
        return (lo, hi);
    }

    private static void AddBuses(Dictionary<int, (double Fractions, int Degree)> into, IEnumerable<BusSecurity> buses, double times)
    {
        foreach (var b in buses) AddTerms(into, b.Bus, b.Fractions * times, b.FingerprintDegree);
    }

    private static void AddTerms(Dictionary<int, (double Fractions, int Degree)> into, int bus, double fractions, int degree)
    {
        var (f, d) = into.GetValueOrDefault(bus);
        into[bus] = (f + fractions, Math.Max(d, degree));
    }

    private static BusSecurity[] GlobalBuses(Dictionary<int, (double Fractions, int Degree)> load) =>
        [.. load.OrderBy(kv => kv.Key).Select(kv => new BusSecurity(kv.Key, BusScope.External, kv.Value.Fractions, kv.Value.Degree,
            SecurityCalculator.LogUpBits(StatementSecurity.FieldBits, StarkParameters.ExtensionDegree, kv.Value.Fractions, kv.Value.Degree)))];

    /// <summary>A one-instruction program: the segment AIR without a program (its ROM height is then modelled as a range).</summary>
    private static readonly Lazy<ProgramImage> PlaceholderImage = new(() =>
        new ProgramImage(0x10000, [new ImageSegment(0x10000, 4, [0x73, 0, 0, 0], readable: true, writable: false, executable: true)]));

    /// <summary>The segment AIR of <see cref="PlaceholderImage"/>: the smallest ROM any program has.</summary>
    private static readonly Lazy<SegmentCircuit> PlaceholderCircuit = new(() => new SegmentCircuit(new ProgramRom(PlaceholderImage.Value)));
}
