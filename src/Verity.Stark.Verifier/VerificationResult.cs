using Verity.Algebra;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Verifier;

/// <summary>The verifier's verdict; <see cref="Error"/> names the failed check.</summary>
public sealed record VerificationResult(bool IsValid, string? Error)
{
    /// <summary>
    /// For a valid proof: the sum of its tables' external sums under the given external challenges
    /// (zero for AIRs without external buses, and for rejected proofs). The caller checks that the
    /// sums of all proofs sharing the external buses, plus its own contributions, add up to zero.
    /// </summary>
    public Goldilocks3 ExternalSum { get; init; }

    public static VerificationResult Valid { get; } = new(true, null);
    public static VerificationResult Accepted(Goldilocks3 externalSum) => new(true, null) { ExternalSum = externalSum };
    public static VerificationResult Rejected(string error) => new(false, error);
    public override string ToString() => IsValid ? "valid" : $"rejected: {Error}";
}

/// <summary>Policy knobs of the verifier (never the proof-system parameters themselves).</summary>
public sealed class VerifierOptions
{
    /// <summary>Accept parameter sets marked insecure or below <see cref="MinimumProvableBits"/>. Tests only.</summary>
    public bool AllowInsecureParameters { get; init; }

    public double MinimumProvableBits { get; init; } = 100;

    /// <summary>
    /// The external bus challenges the proof was made with: required exactly when the AIR has
    /// external buses. The caller derives them from every proof's precommitted main roots.
    /// </summary>
    public ExternalChallenges? ExternalChallenges { get; init; }

    public static VerifierOptions Default { get; } = new();
    public static VerifierOptions InsecureForTests { get; } = new() { AllowInsecureParameters = true };
}
