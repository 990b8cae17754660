using System.Diagnostics;
using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Air.Security;
using Verity.Stark.Examples;
using Verity.Stark.Prover;
using Verity.Stark.Verifier;

namespace Verity.Bench;

/// <summary>Figures reported by `verity bench stark`.</summary>
public sealed record StarkBenchmarkResult
{
    public required string Machine { get; init; }
    public required string Parameters { get; init; }
    public required int LogRows { get; init; }
    public required int Width { get; init; }
    public required long Cells { get; init; }
    public required double FieldMulPerSecondPerCore { get; init; }
    public required double NttElementsPerSecond { get; init; }
    public required double Ntt20SingleCoreMs { get; init; }
    public required double MerkleLeafBytesPerSecondPerCore { get; init; }
    public required double ProveMs { get; init; }

    /// <summary>A second proof of the same shape with the first proof's buffers reused (a node's steady state).</summary>
    public required double ProveMsReusedBuffers { get; init; }
    public required IReadOnlyDictionary<string, double> PhasesMs { get; init; }
    public required double CellsPerSecond { get; init; }
    public required int ProofBytes { get; init; }
    public required double VerifyMs { get; init; }
    public required bool Verified { get; init; }
    public required double ConjecturedBits { get; init; }
    public required double ProvableBits { get; init; }
}

public static class StarkBenchmark
{
    public static string MachineDescription() =>
        $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";

    /// <param name="primitives">Also measure field, NTT and hashing throughput.</param>
    public static StarkBenchmarkResult Run(int logRows, int width, StarkParameters parameters, bool primitives = true, Action<string>? progress = null)
    {
        double mul = 0, nttMs = 0, leafBps = 0;
        if (primitives)
        {
            progress?.Invoke("measuring field multiplication");
            mul = AlgebraBenchmarks.FieldMulPerSecond(TimeSpan.FromMilliseconds(500));
            progress?.Invoke("measuring NTT");
            nttMs = AlgebraBenchmarks.NttMilliseconds(20, parallel: false);
            progress?.Invoke("measuring Merkle leaf hashing");
            leafBps = CryptoBenchmarks.LeafHashBytesPerSecond(parameters.Hash, width * 8, TimeSpan.FromMilliseconds(500));
        }

        progress?.Invoke($"generating a 2^{logRows} × {width} trace");
        var statement = SyntheticAir.Create(logRows, width);
        progress?.Invoke("proving");
        // Warm the JIT on a small instance so the timed run measures steady-state code.
        var warm = SyntheticAir.Create(System.Math.Min(logRows, 10), width);
        StarkProver.Prove(warm.Air, warm.Traces, warm.PublicInputs, parameters);

        var timings = new ProofTimings();
        var proof = StarkProver.Prove(statement.Air, statement.Traces, statement.PublicInputs, parameters, timings: timings);
        var bytes = ProofCodec.Serialize(proof);

        progress?.Invoke("proving again with reused buffers");
        var workspace = new ProverWorkspace();
        var reuse = new ProverOptions { Workspace = workspace };
        StarkProver.Prove(statement.Air, statement.Traces, statement.PublicInputs, parameters, reuse);
        var warmTimings = new ProofTimings();
        StarkProver.Prove(statement.Air, statement.Traces, statement.PublicInputs, parameters, reuse, warmTimings);
        workspace.Clear();

        progress?.Invoke("verifying");
        var options = parameters.IsInsecure ? VerifierOptions.InsecureForTests : VerifierOptions.Default;
        var result = StarkVerifier.Verify(statement.Air, statement.PublicInputs, bytes, parameters, options);
        var verifyTimes = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            StarkVerifier.Verify(statement.Air, statement.PublicInputs, bytes, parameters, options);
            verifyTimes.Add(sw.Elapsed.TotalMilliseconds);
        }
        verifyTimes.Sort();

        var security = StatementSecurity.Compute(statement.Air, parameters, [logRows]);
        long cells = (long)width << logRows;
        return new StarkBenchmarkResult
        {
            Machine = MachineDescription(),
            Parameters = parameters.ToString(),
            LogRows = logRows,
            Width = width,
            Cells = cells,
            FieldMulPerSecondPerCore = mul,
            NttElementsPerSecond = nttMs > 0 ? (1 << 20) / (nttMs / 1000) : 0,
            Ntt20SingleCoreMs = nttMs,
            MerkleLeafBytesPerSecondPerCore = leafBps,
            ProveMs = timings.TotalMs,
            ProveMsReusedBuffers = warmTimings.TotalMs,
            PhasesMs = timings.Phases().ToDictionary(p => p.Phase, p => System.Math.Round(p.Ms, 1)),
            CellsPerSecond = cells / (timings.TotalMs / 1000),
            ProofBytes = bytes.Length,
            VerifyMs = verifyTimes[verifyTimes.Count / 2],
            Verified = result.IsValid,
            ConjecturedBits = security.ConjecturedBits,
            ProvableBits = security.ProvableBits,
        };
    }
}
