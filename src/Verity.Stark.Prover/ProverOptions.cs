using Verity.Stark.Air.Model;

namespace Verity.Stark.Prover;

/// <summary>How the prover treats its witness.</summary>
public sealed class ProverOptions
{
    /// <summary>
    /// When true (the default) a witness that violates a constraint or unbalances a bus is refused
    /// with an error naming the constraint and row. Tests turn it off to build invalid proofs and
    /// check that the verifier rejects them.
    /// </summary>
    public bool RejectInvalidWitness { get; init; } = true;

    /// <summary>
    /// The external bus challenges γₑ, βₑ: required exactly when the AIR has external buses (derived
    /// by the caller from the precommitted tables' main roots, see <see cref="StarkProver.CommitMainTrace"/>).
    /// </summary>
    public ExternalChallenges? ExternalChallenges { get; init; }

    /// <summary>Buffers to reuse across proofs (see <see cref="ProverWorkspace"/>); null allocates fresh ones.</summary>
    public ProverWorkspace? Workspace { get; init; }

    public static ProverOptions Default { get; } = new();
}

/// <summary>Wall-clock time per proving phase, in milliseconds.</summary>
public sealed class ProofTimings
{
    public double TraceLdeMs { get; set; }
    public double CommitMs { get; set; }
    public double LogUpMs { get; set; }
    public double QuotientMs { get; set; }
    public double OodMs { get; set; }
    public double DeepMs { get; set; }
    public double FriMs { get; set; }
    public double GrindingMs { get; set; }
    public double QueriesMs { get; set; }
    public double TotalMs { get; set; }

    public IEnumerable<(string Phase, double Ms)> Phases()
    {
        yield return ("trace LDE", TraceLdeMs);
        yield return ("Merkle commitments", CommitMs);
        yield return ("LogUp columns", LogUpMs);
        yield return ("quotient", QuotientMs);
        yield return ("OOD evaluation", OodMs);
        yield return ("DEEP composition", DeepMs);
        yield return ("FRI", FriMs);
        yield return ("grinding", GrindingMs);
        yield return ("queries", QueriesMs);
    }
}

/// <summary>The witness cannot be proved: a constraint fails or a bus does not balance.</summary>
public sealed class InvalidWitnessException(string message) : Exception(message);
