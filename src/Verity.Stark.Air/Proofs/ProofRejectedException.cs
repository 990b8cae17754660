namespace Verity.Stark.Air.Proofs;

/// <summary>Thrown inside the verifier when a check fails; the message names the check.</summary>
public sealed class ProofRejectedException(string message) : Exception(message);
