using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Security;
using Verity.Stark.Verifier;
using Verity.Zkvm.Air;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Programs;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Verification;
using static Verity.Vm.Tests.Rv32Assembler;
using static Verity.Zkvm.Tests.ZkvmTestKit;

namespace Verity.Zkvm.Tests;

/// <summary>
/// Receipt security: the zkVM AIRs' counts, the minimum table height, the prover's refusal of options the verifier
/// would reject (checked before anything is proved), and the receipt's union bound.
/// </summary>
public class SecurityTests
{
    private static readonly StarkParameters Default = StarkParameters.Default;
    private static readonly Verity.Vm.ProgramImage Tiny = Program(a => a.Li(T0, 5).Addi(T1, T0, 3).Add(T2, T0, T1), exitCode: 3);

    /// <summary>Runs forever: a prover that executed before checking would stop only at the cycle limit.</summary>
    private static readonly Verity.Vm.ProgramImage Spin = Program(a => a.Label("spin").Jal(0, "spin"));

    [Fact]
    public void The_zkVM_AIRs_batch_this_many_base_columns_in_DEEP()
    {
        // Segment AIR: 14 tables with 421 main + 9 preprocessed columns and 178 extension columns (aux columns and
        // composition chunks, each 3 base columns): 430 + 3·178 = 964. Counting each extension column once gave 608.
        var segment = new SegmentCircuit(new ProgramRom(Tiny)).Air;
        int baseCols = segment.Tables.Sum(t => t.PreprocessedWidth + t.MainWidth);
        int ext = segment.Tables.Sum(t => t.AuxWidth + t.QuotientChunks);
        Assert.Equal((430, 178), (baseCols, ext));
        Assert.Equal(964, StatementSecurity.CommittedBaseColumns(segment));
        Assert.Equal(776, segment.TotalConstraints);
        // Memory AIR: memory (11 main, 6 aux, 2 chunks) + bytes (3 + 2 main, 2 aux, 2 chunks) = 16 + 3·12 = 52.
        Assert.Equal(52, StatementSecurity.CommittedBaseColumns(MemoryCircuit.Instance.Air));
    }

    [Fact]
    public void The_minimum_table_height_is_the_smallest_that_every_shipped_set_needs()
    {
        var airs = new[] { new SegmentCircuit(new ProgramRom(Tiny)).Air, MemoryCircuit.Instance.Air };
        int needed = 0;
        foreach (var p in StarkParameters.Named.Where(p => !p.IsInsecure))
            foreach (var air in airs)
                needed = Math.Max(needed, StatementSecurity.MinLogHeightFor(air, p, VerifierOptions.Default.MinimumProvableBits)!.Value);
        Assert.Equal(ReceiptSecurity.MinLogTableHeight, needed);
        // Default alone would need 2^5 (100 bits; 2^4 gives 97); blowup4 gives 98 bits at 2^5.
        Assert.Equal(5, StatementSecurity.MinLogHeightFor(airs[0], Default, 100));
        Assert.Equal(98, StatementSecurity.ForTableHeight(airs[0], StarkParameters.Blowup4, 5).ProvableBits);
    }

    [Fact]
    public void Every_table_is_padded_to_the_minimum_height()
    {
        var run = ZkvmTasks.Execute(Tiny, [], new ZkvmProveOptions { SegmentPo2 = 4, Parameters = Parameters });
        var plan = run.CachedPlan!;
        Assert.All(plan.LogHeights.SelectMany(h => h), h => Assert.True(h >= ReceiptSecurity.MinLogTableHeight));
        Assert.All(plan.MemoryHeights, h => Assert.True(h >= ReceiptSecurity.MinLogTableHeight));
        Assert.Equal(1 << ReceiptSecurity.MinLogTableHeight, plan.Circuit.Rom.Height);
    }

    [Fact]
    public void Default_parameters_prove_a_small_program_that_the_default_verifier_accepts()
    {
        // Idle tables at 8 rows would give 90 bits, which the default verifier refuses; padded to 64 they give 101.
        var receipt = ZkvmProver.Prove(Tiny, [], new ZkvmProveOptions { SegmentPo2 = 6, Parameters = Default });
        var verdict = ZkvmVerifier.Verify(receipt, Tiny.ImageId, Default);
        Assert.True(verdict.IsValid, verdict.Error);
        var r = ReceiptSecurity.ForReceipt(receipt, Default);
        Assert.Equal(101, r.ProofBits);
        Assert.All(receipt.SegmentProofs.SelectMany(p => p.Tables).Concat(receipt.MemoryProof.Tables),
            t => Assert.True(t.LogHeight >= ReceiptSecurity.MinLogTableHeight));
    }

    [Fact]
    public void Po2_24_with_the_default_parameters_is_refused_before_anything_runs()
    {
        // A segment table of 2^24 rows gives 99.58 provable bits with the default set (2^23: 100.06).
        var phases = new List<string>();
        var options = new ZkvmProveOptions
        {
            SegmentPo2 = 24, Parameters = Default, MaxCycles = 1 << 22,
            Progress = new Recorder(p => phases.Add(p.Phase)),
        };
        // Spin never exits: executing first would end in a cycle-limit ExecutionException instead.
        var e = Assert.Throws<InsufficientSecurityException>(() => ZkvmProver.Prove(Spin, [], options));
        Assert.Contains("segment po2 24", e.Message);
        Assert.Contains("'default'", e.Message);
        Assert.Contains("99 provable bits", e.Message);
        Assert.Contains("2^24 rows", e.Message);
        Assert.Contains("minimum of 100", e.Message);
        Assert.Contains("use po2 23 or less", e.Message);
        Assert.Equal((24, 99.0, 100.0), (e.SegmentPo2, e.ProvableBits, e.MinimumBits));
        Assert.DoesNotContain("commit", phases);
        Assert.Throws<InsufficientSecurityException>(() => ZkvmTasks.Execute(Spin, [], options));
        Assert.Throws<InsufficientSecurityException>(() => ReceiptSecurity.EnsureProvable(Spin, options));
    }

    [Theory]
    [InlineData("default", 23)]
    [InlineData("default-keccak", 23)]
    [InlineData("blowup4", 22)]
    public void The_largest_accepted_po2_per_parameter_set(string name, int largest)
    {
        var p = StarkParameters.FromName(name);
        for (int po2 = 4; po2 <= largest; po2++)
            ReceiptSecurity.EnsureProvable(Spin, new ZkvmProveOptions { SegmentPo2 = po2, Parameters = p });
        Assert.Throws<InsufficientSecurityException>(() => ReceiptSecurity.EnsureProvable(Spin, new ZkvmProveOptions { SegmentPo2 = largest + 1, Parameters = p }));
        // The verifier's minimum is the default; a prover aiming lower (or a test set marked insecure) is not stopped.
        ReceiptSecurity.EnsureProvable(Spin, new ZkvmProveOptions { SegmentPo2 = 24, Parameters = p, MinimumProvableBits = 90 });
        ReceiptSecurity.EnsureProvable(Spin, new ZkvmProveOptions { SegmentPo2 = 24, Parameters = StarkParameters.InsecureTest });
    }

    [Fact]
    public void A_prove_task_refuses_options_below_the_minimum_before_proving()
    {
        // Executed with the test set (not checked), then a prove task with a weak set that is not marked insecure.
        var run = ZkvmTasks.Execute(Tiny, [], new ZkvmProveOptions { SegmentPo2 = 8, Parameters = Parameters });
        var weak = new StarkParameters("weak-but-unmarked", 4, 20, 0, 4, 127, Default.Hash);
        var options = new ZkvmProveOptions { SegmentPo2 = 8, Parameters = weak };
        var e = Assert.Throws<InsufficientSecurityException>(() => ZkvmTasks.ProveSegment(Tiny, [], run, 0, options));
        Assert.Contains("'weak-but-unmarked'", e.Message);
        Assert.Contains("no segment size reaches it", e.Message);
        Assert.Throws<InsufficientSecurityException>(() => ZkvmTasks.ProveMemory(Tiny, [], run, options));
    }

    [Fact]
    public void Estimate_for_po2_20_and_16_segments_adds_up()
    {
        var r = ReceiptSecurity.Estimate(Default, 20, 16);
        // A full segment: tables from 2^6 (101.66 bits) to 2^20 (101.20 bits): 101.
        Assert.Equal(20, r.Segment.WeakestTable.LogHeight);
        Assert.Equal(101, r.Segment.ProvableBits);
        Assert.Equal(101.20, r.Segment.ProvableBitsExact, 2);
        // The memory table may hold up to one word per cycle: 2^(20 + 4) rows, 100.57 bits.
        Assert.Equal(24, r.Memory.WeakestTable.LogHeight);
        Assert.Equal(100, r.Memory.ProvableBits);
        // Global memory bus: per segment the boundary table (2^20 rows) receives and sends, 2 fractions per row, and so
        // does the memory table (2^24 rows): 16·2·2^20 + 2·2^24 = 2^26, doubled for the verifier's terms: 2^27.
        // Tuples of 4 values: 192 − 27 − log2 5 = 162.68 bits.
        var bus32 = r.GlobalBuses.Single(b => b.Bus == Buses.GlobalMemory);
        Assert.Equal((double)(1L << 27), bus32.Fractions);
        Assert.Equal(165 - Math.Log2(5), bus32.Bits, 9);
        Assert.Equal(SecurityCalculator.UnionBits(r.GlobalBuses.Select(b => b.Bits)), r.GlobalLogUpBits, 12);
        // The receipt: 16 segment proofs + the memory proof + the global buses, a union bound:
        // −log2(16·2^−101.20 + 2^−100.57 + 2^−162.2) = 97.07.
        double expected = -Math.Log2(16 * Math.Pow(2, -r.Segment.ProvableBitsExact) + Math.Pow(2, -r.Memory.ProvableBitsExact) + Math.Pow(2, -r.GlobalLogUpBits));
        Assert.Equal(expected, r.TotalBitsExact, 9);
        Assert.Equal(97, r.TotalBits);
        Assert.Equal(100, r.ProofBits);
        Assert.True(r.IsEstimate);

        // One segment: two proofs, 100 bits.
        Assert.Equal(100, ReceiptSecurity.Estimate(Default, 20, 1).TotalBits);
    }

    [Fact]
    public void Receipt_figures_come_from_its_proofs_heights()
    {
        const uint buf = Verity.Vm.Tests.ElfBuilder.DataBase;
        var image = Program(a => a.Syscall(63, 0, buf, 4).Syscall(64, 1, buf, 3));
        var receipt = Prove(image, "abcdef"u8.ToArray(), po2: 6);
        var r = ReceiptSecurity.ForReceipt(receipt, Default);
        Assert.False(r.IsEstimate);
        Assert.Equal(receipt.Segments.Length, r.Segments);
        var air = new SegmentCircuit(new ProgramRom(image)).Air;
        var heights = receipt.SegmentProofs.Select(p => p.Tables.Select(t => (int)t.LogHeight).ToArray()).ToArray();
        Assert.Equal(heights.Min(h => StatementSecurity.Compute(air, Default, h).ProvableBitsExact), r.Segment.ProvableBitsExact, 12);

        // Global IO bus: one row per IO-table row of every segment, plus the verifier's terms: 4 input bytes read, 3
        // journal bytes.
        int io = air.Tables.ToList().FindIndex(t => t.Name == "io");
        double ioRows = heights.Sum(h => Math.Pow(2, h[io]));
        var bus33 = r.GlobalBuses.Single(b => b.Bus == Buses.GlobalIo);
        Assert.Equal(ioRows + receipt.InputConsumed + receipt.Claim.Journal.Length, bus33.Fractions);
        Assert.Equal((4u, 3), (receipt.InputConsumed, receipt.Claim.Journal.Length));
        Assert.Equal(3, bus33.FingerprintDegree);

        double expected = SecurityCalculator.UnionBits(heights.Select(h => StatementSecurity.Compute(air, Default, h).ProvableBitsExact)
            .Append(r.Memory.ProvableBitsExact).Append(r.GlobalLogUpBits));
        Assert.Equal(expected, r.TotalBitsExact, 9);
        Assert.True(r.TotalBits < r.ProofBits);
    }

    private sealed class Recorder(Action<ProvingProgress> report) : IProgress<ProvingProgress>
    {
        public void Report(ProvingProgress value) => report(value);
    }
}
