using Verity.Stark.Air.Expressions;

namespace Verity.Stark.Air.Model;

/// <summary>Which LogUp challenges a bus is fingerprinted with, and so where its sum must balance.</summary>
public enum BusScope : byte
{
    /// <summary>
    /// Balanced inside one proof: γ, β are drawn from the proof's own transcript after every main
    /// commitment, and the verifier checks that all tables' sums (plus the statement's public
    /// interactions) add up to zero.
    /// </summary>
    Local = 0,

    /// <summary>
    /// Balanced across proofs by the caller: γₑ, βₑ come from outside (<see cref="ExternalChallenges"/>),
    /// derived by the caller from the precommitted tables of every proof; each proof only exposes its
    /// sum (<c>TableProof.ExternalSum</c>) and the caller checks that all of them add up to zero.
    /// </summary>
    External = 1,
}

/// <summary>
/// One LogUp bus interaction of a table: on every row it contributes
/// ±multiplicity / (γ − (bus + Σᵢ βⁱ⁺¹·valueᵢ)), with the γ, β of its <see cref="Scope"/>. Sends
/// count positive, receives negative; the contributions of every bus must sum to zero over
/// everything that shares the bus (the tables of one proof for local buses, all proofs for external ones).
/// </summary>
public sealed record Interaction(int Bus, IReadOnlyList<Expr> Values, Expr Multiplicity, bool IsSend, BusScope Scope = BusScope.Local)
{
    /// <summary>Degree of the fingerprint in the trace columns: it is linear in the values.</summary>
    public int FingerprintDegree => Values.Max(v => v.Degree);

    /// <summary>The multiplicity with the interaction's sign: +m for sends, −m for receives.</summary>
    public Expr SignedMultiplicity => IsSend ? Multiplicity : -Multiplicity;
}

/// <summary>
/// One LogUp helper column: a single interaction (h·(γ − f) = s·m) or two paired ones sharing the
/// column (h·(γ − f₁)(γ − f₂) = s₁m₁·(γ − f₂) + s₂m₂·(γ − f₁)), which halves the aux width
/// whenever the pair's constraint stays within degree <see cref="TableDefinition.MaxPairedDegree"/>.
/// </summary>
public sealed record LogUpHelper(BusScope Scope, int Column, Interaction First, Interaction? Second)
{
    public bool IsPaired => Second != null;
}
