using Verity.Algebra;
using Verity.Stark.Air.Transcripts;

namespace Verity.Stark.Air.Model;

/// <summary>
/// The challenges γₑ, βₑ of the external buses (<see cref="BusScope.External"/>). The caller draws
/// them after fixing the main roots of every proof's precommitted tables (phase 1, see
/// <c>StarkProver.CommitMainTrace</c>), hands them to prover and verifier, and the statement
/// transcript absorbs them, so a proof only verifies under the challenges it was made with.
/// </summary>
public readonly record struct ExternalChallenges(Goldilocks3 Gamma, Goldilocks3 Beta)
{
    /// <summary>Draws γₑ then βₑ from a caller's transcript that has absorbed every precommitted root.</summary>
    public static ExternalChallenges Draw(Transcript transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var gamma = transcript.DrawExt();
        return new ExternalChallenges(gamma, transcript.DrawExt());
    }
}

/// <summary>
/// The values of the <see cref="Expressions.ExprKind.Challenge"/> leaves: the proof's local γ, β
/// and the external γₑ, βₑ (zero when the AIR has no external buses).
/// </summary>
public readonly record struct LogUpChallenges(Goldilocks3 Gamma, Goldilocks3 Beta, Goldilocks3 ExternalGamma, Goldilocks3 ExternalBeta)
{
    public LogUpChallenges(Goldilocks3 gamma, Goldilocks3 beta, ExternalChallenges? external)
        : this(gamma, beta, external?.Gamma ?? Goldilocks3.Zero, external?.Beta ?? Goldilocks3.Zero) { }

    /// <summary>The value of challenge leaf <paramref name="index"/> (<see cref="TableDefinition.ChallengeGamma"/> …).</summary>
    public Goldilocks3 this[int index] => index switch
    {
        TableDefinition.ChallengeGamma => Gamma,
        TableDefinition.ChallengeBeta => Beta,
        TableDefinition.ExternalGamma => ExternalGamma,
        TableDefinition.ExternalBeta => ExternalBeta,
        _ => throw new ArgumentOutOfRangeException(nameof(index), $"No LogUp challenge {index}."),
    };
}
