namespace Verity.Stark.Verifier;

/// <summary>The verifier's verdict; <see cref="Error"/> names the failed check.</summary>
public sealed record VerificationResult(bool IsValid, string? Error)
{
    public static VerificationResult Valid { get; } = new(true, null);
    public static VerificationResult Rejected(string error) => new(false, error);
    public override string ToString() => IsValid ? "valid" : $"rejected: {Error}";
}

/// <summary>Policy knobs of the verifier (never the proof-system parameters themselves).</summary>
public sealed class VerifierOptions
{
    /// <summary>Accept parameter sets marked insecure or below <see cref="MinimumProvableBits"/>. Tests only.</summary>
    public bool AllowInsecureParameters { get; init; }

    public double MinimumProvableBits { get; init; } = 100;

    public static VerifierOptions Default { get; } = new();
    public static VerifierOptions InsecureForTests { get; } = new() { AllowInsecureParameters = true };
}
