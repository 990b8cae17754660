using Verity.Crypto;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Prover;
using Verity.Vm;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Receipts;

namespace Verity.Zkvm.Proving;

/// <summary>
/// A proving job as independent tasks (DESIGN §2): <see cref="Execute"/> (phase 1: run, commit the precommitted
/// tables, draw the global challenge) → <see cref="ProveSegment"/> for every segment, in any order and on any
/// machine → <see cref="ProveMemory"/> → <see cref="Assemble"/>. Each task needs only the image, the input, the
/// <see cref="ExecutedRun"/> (serializable) and the same options; <see cref="ZkvmProver.Prove"/> runs them in turn.
/// </summary>
public static class ZkvmTasks
{
    public static ExecutedRun Execute(ProgramImage image, byte[] input, ZkvmProveOptions options, ProvingReport? report = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(input);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var plan = RunPlan.Execute(image, input, options);
        double executeMs = sw.Elapsed.TotalMilliseconds;
        var parameters = options.Parameters;
        var air = plan.Circuit.Air;
        var commitments = new GlobalChallenge.SegmentCommitments[plan.SegmentCount];
        for (int i = 0; i < commitments.Length; i++)
        {
            var roots = plan.PrecommittedTraces(i).Select(p => StarkProver.CommitMainTrace(air, p.Table, p.Trace.Columns, plan.LogHeights[i], parameters)).ToList();
            commitments[i] = new GlobalChallenge.SegmentCommitments(plan.Headers[i], plan.LogHeights[i], roots);
        }
        Digest memoryRoot = StarkProver.CommitMainTrace(MemoryCircuit.Instance.Air, 0, plan.MemoryTable().Trace.Columns, plan.MemoryHeights, parameters);
        var challenges = GlobalChallenge.Derive(parameters, plan.Claim, input.Length, plan.InputConsumed, options.SegmentPo2, commitments, plan.MemoryHeights, memoryRoot);
        if (report != null)
        {
            report.Cycles = plan.Run.Cycles;
            report.Segments = plan.SegmentCount;
            report.ExecuteMs = executeMs;
            report.CommitMs = sw.Elapsed.TotalMilliseconds - executeMs;
        }
        return new ExecutedRun(plan.Run, options.SegmentPo2, challenges) { CachedPlan = plan };
    }

    /// <summary>Replays segment <paramref name="index"/> from its checkpoint and proves it.</summary>
    public static StarkProof ProveSegment(ProgramImage image, byte[] input, ExecutedRun run, int index, ZkvmProveOptions options,
        ProverWorkspace? workspace = null, ProvingReport? report = null)
    {
        var plan = Plan(image, input, run, options);
        if ((uint)index >= (uint)plan.SegmentCount) throw new ArgumentOutOfRangeException(nameof(index), $"the run has {plan.SegmentCount} segments");
        report ??= new ProvingReport();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var traces = plan.SegmentTraces(index, report);
        report.WitnessMs += sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var proof = StarkProver.Prove(plan.Circuit.Air, traces, plan.Statement(index), options.Parameters, ProverOptions(run, options, workspace));
        report.StarkMs += sw.Elapsed.TotalMilliseconds;
        return proof;
    }

    /// <summary>Proves the run's memory table.</summary>
    public static StarkProof ProveMemory(ProgramImage image, byte[] input, ExecutedRun run, ZkvmProveOptions options,
        ProverWorkspace? workspace = null, ProvingReport? report = null)
    {
        var plan = Plan(image, input, run, options);
        var memory = MemoryCircuit.Instance;
        var traces = plan.MemoryTraces();
        report?.Account(memory.Table.Name, memory.Air.Tables[0], plan.MemoryWords.Count, traces[0][0].Length);
        return StarkProver.Prove(memory.Air, traces, RunPlan.MemoryStatement(plan.Claim), options.Parameters, ProverOptions(run, options, workspace));
    }

    /// <summary>The receipt from the executed run and its proofs (which the verifier then checks).</summary>
    public static Receipt Assemble(ProgramImage image, byte[] input, ExecutedRun run, StarkProof[] segmentProofs, StarkProof memoryProof)
    {
        // Only the claim and headers are read here, which do not depend on the options: reuse this process's plan.
        // (The proofs exist already, so there is nothing to check the security of: the verifier does.)
        var plan = run.CachedPlan is { } cached && cached.Matches(image, input)
            ? cached
            : Plan(image, input, run, new ZkvmProveOptions { SegmentPo2 = run.SegmentPo2, MinimumProvableBits = 0 });
        if (segmentProofs.Length != plan.SegmentCount) throw new ArgumentException($"{segmentProofs.Length} segment proofs for {plan.SegmentCount} segments", nameof(segmentProofs));
        return new Receipt
        {
            Claim = plan.Claim,
            Image = image,
            Input = input,
            InputConsumed = plan.InputConsumed,
            SegmentPo2 = run.SegmentPo2,
            Segments = plan.Headers,
            SegmentProofs = segmentProofs,
            MemoryProof = memoryProof,
        };
    }

    private static RunPlan Plan(ProgramImage image, byte[] input, ExecutedRun run, ZkvmProveOptions options)
    {
        if (options.SegmentPo2 != run.SegmentPo2) throw new ArgumentException($"the run was executed with po2 {run.SegmentPo2}, not {options.SegmentPo2}", nameof(options));
        // Building a plan (ROM, circuit, boundaries, memory rows) costs seconds for large runs: reuse it across the tasks
        // of one process when they share the image, input and options.
        if (run.CachedPlan is { } cached && cached.Matches(image, input, options)) return cached;
        var plan = RunPlan.FromExecuted(image, input, options, run.Result);
        run.CachedPlan = plan;
        return plan;
    }

    private static ProverOptions ProverOptions(ExecutedRun run, ZkvmProveOptions options, ProverWorkspace? workspace) =>
        new() { ExternalChallenges = run.Challenges, RejectInvalidWitness = options.RejectInvalidWitness, Workspace = workspace };
}
