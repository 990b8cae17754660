using Verity.Algebra;
using Verity.Stark.Air.Expressions;

namespace Verity.Stark.Air.Model;

/// <summary>
/// One table of a multi-table AIR: its columns, constraints, periodic and preprocessed columns,
/// and its LogUp interactions. The LogUp auxiliary columns and their constraints are derived
/// here, so prover and verifier see the same constraint list.
/// Auxiliary layout (extension columns): the local helpers, the local running sum (if the table
/// has local interactions), the external helpers, the external running sum (if it has external
/// ones). Consecutive interactions of a scope share a helper when the pair stays within degree
/// <see cref="MaxPairedDegree"/> (see <see cref="LogUpHelper"/>).
/// </summary>
public sealed class TableDefinition
{
    internal TableDefinition(string name, int index, int mainWidth, bool isPrecommitted, Goldilocks[][] preprocessed, Goldilocks[][] periodic,
        List<Constraint> constraints, List<Interaction> interactions, int? fixedLogHeight)
    {
        Name = name;
        Index = index;
        MainWidth = mainWidth;
        IsPrecommitted = isPrecommitted;
        Preprocessed = preprocessed;
        Periodic = periodic;
        UserConstraints = constraints;
        Interactions = interactions;
        FixedLogHeight = fixedLogHeight;
        LocalInteractionCount = interactions.Count(i => i.Scope == BusScope.Local);
        ExternalInteractionCount = interactions.Count - LocalInteractionCount;

        var helpers = new List<LogUpHelper>();
        int column = 0;
        LocalSumColumn = LayOut(BusScope.Local, helpers, ref column);
        ExternalSumColumn = LayOut(BusScope.External, helpers, ref column);
        LogUpHelpers = helpers;
        AuxWidth = column;

        AllConstraints = [.. constraints, .. LogUpConstraints(BusScope.Local), .. LogUpConstraints(BusScope.External)];
        QuotientChunks = AllConstraints.Count == 0 ? 1 : AllConstraints.Max(c => c.QuotientChunks);
        MaxDegree = AllConstraints.Count == 0 ? 0 : AllConstraints.Max(c => c.Expression.Degree);
    }

    public string Name { get; }
    public int Index { get; }
    public int MainWidth { get; }
    public int PreprocessedWidth => Preprocessed.Length;

    /// <summary>
    /// The main trace is committed before the external challenges exist (phase 1): the caller derives
    /// γₑ, βₑ from this table's main root. Only such tables may have external interactions.
    /// </summary>
    public bool IsPrecommitted { get; }

    /// <summary>Extension-field auxiliary columns after pairing: helpers and running sums (0 without interactions).</summary>
    public int AuxWidth { get; }

    /// <summary>Base-field columns the aux trace occupies when committed (3 per extension column).</summary>
    public int AuxBaseWidth => AuxWidth * 3;

    public Goldilocks[][] Preprocessed { get; }
    public Goldilocks[][] Periodic { get; }

    /// <summary>
    /// The index of the first periodic column whose period exceeds <paramref name="height"/>, or −1. A periodic
    /// column of period P is p(x^(n/P)), so it needs n ≥ P: below that n/P rounds to 0 and the column would read
    /// as the constant v[0] instead of v[i mod P]. Prover and verifier both refuse such a height.
    /// </summary>
    public int PeriodicLongerThan(int height)
    {
        for (int j = 0; j < Periodic.Length; j++)
            if (Periodic[j].Length > height) return j;
        return -1;
    }
    public IReadOnlyList<Constraint> UserConstraints { get; }

    /// <summary>Every interaction in declaration order, both scopes.</summary>
    public IReadOnlyList<Interaction> Interactions { get; }

    public int LocalInteractionCount { get; }
    public int ExternalInteractionCount { get; }
    public bool HasLocalInteractions => LocalInteractionCount > 0;
    public bool HasExternalInteractions => ExternalInteractionCount > 0;

    /// <summary>Helper columns in aux order: local ones first, then external ones.</summary>
    public IReadOnlyList<LogUpHelper> LogUpHelpers { get; }

    /// <summary>Aux column of the local running sum, or −1 without local interactions.</summary>
    public int LocalSumColumn { get; }

    /// <summary>Aux column of the external running sum, or −1 without external interactions.</summary>
    public int ExternalSumColumn { get; }

    public IReadOnlyList<Constraint> AllConstraints { get; }

    /// <summary>Tables with preprocessed columns have the height of those columns.</summary>
    public int? FixedLogHeight { get; }

    public int QuotientChunks { get; }
    public int MaxDegree { get; }
    public bool HasAux => AuxWidth > 0;

    /// <summary>Index of each challenge in <see cref="ExprKind.Challenge"/> leaves: local γ, β, then external γₑ, βₑ.</summary>
    public const int ChallengeGamma = 0, ChallengeBeta = 1, ExternalGamma = 2, ExternalBeta = 3, ChallengeCount = 4;

    /// <summary>
    /// Two interactions share a helper only while the shared constraint stays within this degree:
    /// degree 3 needs two quotient chunks, which every blowup allows, and a wide table's other
    /// constraints are usually of that degree already.
    /// </summary>
    public const int MaxPairedDegree = 3;

    public static Expr Gamma(BusScope scope) => Expr.Challenge(scope == BusScope.Local ? ChallengeGamma : ExternalGamma);
    public static Expr Beta(BusScope scope) => Expr.Challenge(scope == BusScope.Local ? ChallengeBeta : ExternalBeta);

    /// <summary>The LogUp fingerprint of an interaction's values under its scope's β: bus + Σᵢ βⁱ⁺¹·vᵢ (Horner form).</summary>
    public static Expr Fingerprint(Interaction interaction)
    {
        var beta = Beta(interaction.Scope);
        Expr acc = Expr.Const(0);
        for (int i = interaction.Values.Count - 1; i >= 0; i--) acc = (acc + interaction.Values[i]) * beta;
        return acc + Expr.Const(interaction.Bus);
    }

    /// <summary>Degree of the helper constraint two interactions would share: h·(γ − f₁)(γ − f₂) − s₁m₁(γ − f₂) − s₂m₂(γ − f₁).</summary>
    public static int PairedDegree(Interaction a, Interaction b)
    {
        int fa = a.FingerprintDegree, fb = b.FingerprintDegree;
        return System.Math.Max(1 + fa + fb, System.Math.Max(a.Multiplicity.Degree + fb, b.Multiplicity.Degree + fa));
    }

    // Walks the scope's interactions in declaration order, pairing neighbours that fit; returns the
    // running-sum column (after the scope's helpers) or −1 when the scope is empty.
    private int LayOut(BusScope scope, List<LogUpHelper> helpers, ref int column)
    {
        var list = Interactions.Where(i => i.Scope == scope).ToList();
        if (list.Count == 0) return -1;
        for (int j = 0; j < list.Count; j++)
        {
            bool pair = j + 1 < list.Count && PairedDegree(list[j], list[j + 1]) <= MaxPairedDegree;
            helpers.Add(new LogUpHelper(scope, column++, list[j], pair ? list[j + 1] : null));
            if (pair) j++;
        }
        return column++;
    }

    private IEnumerable<Constraint> LogUpConstraints(BusScope scope)
    {
        int sumColumn = scope == BusScope.Local ? LocalSumColumn : ExternalSumColumn;
        if (sumColumn < 0) yield break;
        string prefix = scope == BusScope.Local ? "logup" : "logup.external";
        var gamma = Gamma(scope);
        Expr? sumHelpers = null, sumHelpersNext = null;
        int j = 0;
        foreach (var helper in LogUpHelpers.Where(h => h.Scope == scope))
        {
            var h = Expr.Auxiliary(helper.Column);
            var d1 = gamma - Fingerprint(helper.First);
            var constraint = helper.Second is { } second
                ? h * d1 * (gamma - Fingerprint(second)) - helper.First.SignedMultiplicity * (gamma - Fingerprint(second)) - second.SignedMultiplicity * d1
                : h * d1 - helper.First.SignedMultiplicity;
            yield return new Constraint($"{prefix}.helper[{j++}]", ConstraintDomain.EveryRow, constraint);
            sumHelpers = sumHelpers == null ? h : sumHelpers + h;
            sumHelpersNext = sumHelpersNext == null ? h.Next : sumHelpersNext + h.Next;
        }
        var acc = Expr.Auxiliary(sumColumn);
        var claimed = scope == BusScope.Local ? Expr.ClaimedSum() : Expr.ExternalSum();
        yield return new Constraint($"{prefix}.first", ConstraintDomain.FirstRow, acc - sumHelpers!);
        yield return new Constraint($"{prefix}.step", ConstraintDomain.Transition, acc.Next - acc - sumHelpersNext!);
        yield return new Constraint($"{prefix}.claimed", ConstraintDomain.LastRow, acc - claimed);
    }
}
