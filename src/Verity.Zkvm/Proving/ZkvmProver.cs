using System.Diagnostics;
using Verity.Crypto;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Prover;
using Verity.Vm;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Receipts;

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
        var parameters = options.Parameters;
        var total = Stopwatch.StartNew();
        var sw = Stopwatch.StartNew();

        options.Progress?.Report(new ProvingProgress("execute", 0, 0));
        var plan = RunPlan.Execute(image, input, options);
        report.ExecuteMs = sw.Elapsed.TotalMilliseconds;
        report.Cycles = plan.Run.Cycles;
        report.Segments = plan.SegmentCount;

        // Phase 1 commitments, then the global challenge.
        sw.Restart();
        int count = plan.SegmentCount;
        options.Progress?.Report(new ProvingProgress("commit", 0, count));
        var air = plan.Circuit.Air;
        var commitments = new GlobalChallenge.SegmentCommitments[count];
        for (int i = 0; i < count; i++)
        {
            var roots = plan.PrecommittedTraces(i).Select(p => StarkProver.CommitMainTrace(air, p.Table, p.Trace.Columns, plan.LogHeights[i], parameters)).ToList();
            commitments[i] = new GlobalChallenge.SegmentCommitments(plan.Headers[i], plan.LogHeights[i], roots);
        }
        var memory = MemoryCircuit.Instance;
        Digest memoryRoot = StarkProver.CommitMainTrace(memory.Air, 0, plan.MemoryTable().Trace.Columns, plan.MemoryHeights, parameters);
        var challenges = GlobalChallenge.Derive(parameters, plan.Claim, input.Length, plan.InputConsumed, options.SegmentPo2, commitments, plan.MemoryHeights, memoryRoot);
        report.CommitMs = sw.Elapsed.TotalMilliseconds;

        // Phase 2: every segment proof is independent given the challenges (and could run elsewhere).
        var proverOptions = new ProverOptions { ExternalChallenges = challenges, RejectInvalidWitness = options.RejectInvalidWitness, Workspace = new ProverWorkspace() };
        var proofs = new StarkProof[count];
        for (int i = 0; i < count; i++)
        {
            options.Progress?.Report(new ProvingProgress("segment", i, count));
            sw.Restart();
            var traces = plan.SegmentTraces(i, report);
            report.WitnessMs += sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            proofs[i] = StarkProver.Prove(air, traces, plan.Statement(i), parameters, proverOptions);
            report.StarkMs += sw.Elapsed.TotalMilliseconds;
            report.PeakSegmentBytes = Math.Max(report.PeakSegmentBytes, GC.GetTotalMemory(false));
        }

        options.Progress?.Report(new ProvingProgress("memory", count, count));
        sw.Restart();
        var memoryTraces = plan.MemoryTraces();
        var memoryProof = StarkProver.Prove(memory.Air, memoryTraces, RunPlan.MemoryStatement(plan.Claim), parameters, proverOptions);
        report.StarkMs += sw.Elapsed.TotalMilliseconds;
        report.Account(memory.Table.Name, memory.Air.Tables[0], plan.MemoryWords.Count, memoryTraces[0][0].Length);
        report.TotalMs = total.Elapsed.TotalMilliseconds;

        return new Receipt
        {
            Claim = plan.Claim,
            Image = image,
            Input = input,
            InputConsumed = plan.InputConsumed,
            SegmentPo2 = options.SegmentPo2,
            Segments = plan.Headers,
            SegmentProofs = proofs,
            MemoryProof = memoryProof,
        };
    }
}
