using Verity.Algebra;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Air.Transcripts;

namespace Verity.Stark.Air.Model;

/// <summary>
/// The opening of every STARK transcript (DESIGN §3): domain tag and format version, the
/// verifier's parameters, the AIR identity, the trace shapes, all public inputs and, for AIRs with
/// external buses, the external challenges — before any commitment. Prover and verifier both start here.
/// </summary>
public static class StatementTranscript
{
    /// <param name="external">Required exactly when <paramref name="air"/> has external buses; absorbing it binds the proof to γₑ, βₑ.</param>
    public static Transcript Begin(AirDefinition air, StarkParameters parameters, IReadOnlyList<int> logHeights, ReadOnlySpan<Goldilocks> publicInputs,
        ExternalChallenges? external = null)
    {
        if (publicInputs.Length != air.PublicInputCount)
            throw new ArgumentException($"AIR '{air.Name}' takes {air.PublicInputCount} public inputs, got {publicInputs.Length}.", nameof(publicInputs));
        if (external.HasValue != air.HasExternalBuses)
            throw new ArgumentException(air.HasExternalBuses
                ? $"AIR '{air.Name}' has external buses and needs external challenges."
                : $"AIR '{air.Name}' has no external buses; external challenges must not be given.", nameof(external));
        var t = new Transcript(parameters.Hash, "verity.stark");
        t.AbsorbU64(StarkProof.FormatVersion);
        t.AbsorbBytes(parameters.Encode());
        t.AbsorbDigest(air.Identity);
        t.AbsorbBytes(logHeights.Select(h => (byte)h).ToArray());
        t.AbsorbBase(publicInputs);
        if (external is { } e)
        {
            t.AbsorbExt(e.Gamma);
            t.AbsorbExt(e.Beta);
        }
        return t;
    }

    /// <summary>Smallest and largest table heights (log₂) a proof may have.</summary>
    public const int MinLogHeight = 3, MaxLogHeight = 26;
}
