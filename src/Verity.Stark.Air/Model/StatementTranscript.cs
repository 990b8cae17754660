using Verity.Algebra;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Air.Transcripts;

namespace Verity.Stark.Air.Model;

/// <summary>
/// The opening of every STARK transcript (DESIGN §3): domain tag and format version, the
/// verifier's parameters, the AIR identity, the trace shapes and all public inputs — before any
/// commitment. Prover and verifier both start here.
/// </summary>
public static class StatementTranscript
{
    public static Transcript Begin(AirDefinition air, StarkParameters parameters, IReadOnlyList<int> logHeights, ReadOnlySpan<Goldilocks> publicInputs)
    {
        if (publicInputs.Length != air.PublicInputCount)
            throw new ArgumentException($"AIR '{air.Name}' takes {air.PublicInputCount} public inputs, got {publicInputs.Length}.", nameof(publicInputs));
        var t = new Transcript(parameters.Hash, "verity.stark");
        t.AbsorbU64(StarkProof.FormatVersion);
        t.AbsorbBytes(parameters.Encode());
        t.AbsorbDigest(air.Identity);
        t.AbsorbBytes(logHeights.Select(h => (byte)h).ToArray());
        t.AbsorbBase(publicInputs);
        return t;
    }

    /// <summary>Smallest and largest table heights (log₂) a proof may have.</summary>
    public const int MinLogHeight = 3, MaxLogHeight = 26;
}
