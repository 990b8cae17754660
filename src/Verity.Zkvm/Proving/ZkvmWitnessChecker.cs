using Verity.Algebra;
using Verity.Stark.Air.Model;
using Verity.Stark.Prover;
using Verity.Vm;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Verification;

namespace Verity.Zkvm.Proving;

/// <summary>
/// A mock prover for whole runs: fills every table of every segment and the memory table exactly as
/// <see cref="ZkvmProver"/> does, then checks each table's constraints and local buses (<see cref="WitnessChecker"/>)
/// and the global buses with the verifier's own terms, under seeded random challenges. Much cheaper than proving:
/// for debugging circuits and guests, and for tests that sweep thousands of witness mutations. Proves nothing.
/// </summary>
public static class ZkvmWitnessChecker
{
    /// <returns>null when every check holds, else the first violation.</returns>
    public static string? Check(ProgramImage image, byte[] input, ZkvmProveOptions? options = null, int seed = 1)
    {
        options ??= new ZkvmProveOptions();
        var plan = RunPlan.Execute(image, input, options);
        var rng = new Random(seed);
        Goldilocks3 Draw() => new(Goldilocks.FromUInt64((ulong)rng.NextInt64()), Goldilocks.FromUInt64((ulong)rng.NextInt64()), Goldilocks.FromUInt64((ulong)rng.NextInt64()));
        var challenges = new ExternalChallenges(Draw(), Draw());
        var report = new ProvingReport();
        var sum = Goldilocks3.Zero;
        for (int i = 0; i < plan.SegmentCount; i++)
        {
            var result = WitnessChecker.Check(plan.Circuit.Air, plan.SegmentTraces(i, report), plan.Statement(i), challenges, seed);
            if (!result.IsValid) return $"segment {i}: {result.Error}";
            sum += result.ExternalSum;
        }
        var memory = WitnessChecker.Check(MemoryCircuit.Instance.Air, plan.MemoryTraces(), RunPlan.MemoryStatement(plan.Claim), challenges, seed);
        if (!memory.IsValid) return $"memory table: {memory.Error}";
        sum += memory.ExternalSum;
        sum += GlobalTerms.ImageWords(image, challenges);
        sum -= GlobalTerms.Io(input.AsSpan(0, (int)plan.InputConsumed), plan.Claim.Journal, challenges);
        return sum.IsZero ? null : "the global buses do not balance (memory chain, IO bytes or image words)";
    }
}
