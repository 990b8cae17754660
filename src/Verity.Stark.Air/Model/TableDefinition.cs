using Verity.Algebra;
using Verity.Stark.Air.Expressions;

namespace Verity.Stark.Air.Model;

/// <summary>
/// One table of a multi-table AIR: its columns, constraints, periodic and preprocessed columns,
/// and its LogUp interactions. The LogUp auxiliary columns and their constraints are derived
/// here, so prover and verifier see the same constraint list.
/// Auxiliary layout (extension columns): one helper hⱼ = ±mⱼ/(γ − fⱼ) per interaction, then the running sum.
/// </summary>
public sealed class TableDefinition
{
    internal TableDefinition(string name, int index, int mainWidth, Goldilocks[][] preprocessed, Goldilocks[][] periodic,
        List<Constraint> constraints, List<Interaction> interactions, int? fixedLogHeight)
    {
        Name = name;
        Index = index;
        MainWidth = mainWidth;
        Preprocessed = preprocessed;
        Periodic = periodic;
        UserConstraints = constraints;
        Interactions = interactions;
        FixedLogHeight = fixedLogHeight;
        AuxWidth = interactions.Count == 0 ? 0 : interactions.Count + 1;
        AllConstraints = [.. constraints, .. LogUpConstraints()];
        QuotientChunks = AllConstraints.Count == 0 ? 1 : AllConstraints.Max(c => c.QuotientChunks);
        MaxDegree = AllConstraints.Count == 0 ? 0 : AllConstraints.Max(c => c.Expression.Degree);
    }

    public string Name { get; }
    public int Index { get; }
    public int MainWidth { get; }
    public int PreprocessedWidth => Preprocessed.Length;

    /// <summary>Extension-field auxiliary columns (0 when the table has no interactions).</summary>
    public int AuxWidth { get; }

    /// <summary>Base-field columns the aux trace occupies when committed (3 per extension column).</summary>
    public int AuxBaseWidth => AuxWidth * 3;

    public Goldilocks[][] Preprocessed { get; }
    public Goldilocks[][] Periodic { get; }
    public IReadOnlyList<Constraint> UserConstraints { get; }
    public IReadOnlyList<Interaction> Interactions { get; }
    public IReadOnlyList<Constraint> AllConstraints { get; }

    /// <summary>Tables with preprocessed columns have the height of those columns.</summary>
    public int? FixedLogHeight { get; }

    public int QuotientChunks { get; }
    public int MaxDegree { get; }
    public bool HasAux => AuxWidth > 0;
    public int RunningSumColumn => AuxWidth - 1;

    /// <summary>Index of the challenge γ and β in <see cref="ExprKind.Challenge"/> leaves.</summary>
    public const int ChallengeGamma = 0, ChallengeBeta = 1, ChallengeCount = 2;

    /// <summary>The LogUp fingerprint of an interaction's values: bus + Σᵢ βⁱ⁺¹·vᵢ (Horner form).</summary>
    public static Expr Fingerprint(Interaction interaction)
    {
        var beta = Expr.Challenge(ChallengeBeta);
        Expr acc = Expr.Const(0);
        for (int i = interaction.Values.Count - 1; i >= 0; i--) acc = (acc + interaction.Values[i]) * beta;
        return acc + Expr.Const(interaction.Bus);
    }

    private IEnumerable<Constraint> LogUpConstraints()
    {
        if (Interactions.Count == 0) yield break;
        var gamma = Expr.Challenge(ChallengeGamma);
        Expr sumHelpers = Expr.Const(0), sumHelpersNext = Expr.Const(0);
        for (int j = 0; j < Interactions.Count; j++)
        {
            var it = Interactions[j];
            var h = Expr.Auxiliary(j);
            var signed = it.IsSend ? it.Multiplicity : -it.Multiplicity;
            yield return new Constraint($"logup.helper[{j}]", ConstraintDomain.EveryRow, h * (gamma - Fingerprint(it)) - signed);
            sumHelpers = j == 0 ? h : sumHelpers + h;
            sumHelpersNext = j == 0 ? h.Next : sumHelpersNext + h.Next;
        }
        var acc = Expr.Auxiliary(RunningSumColumn);
        yield return new Constraint("logup.first", ConstraintDomain.FirstRow, acc - sumHelpers);
        yield return new Constraint("logup.step", ConstraintDomain.Transition, acc.Next - acc - sumHelpersNext);
        yield return new Constraint("logup.claimed", ConstraintDomain.LastRow, acc - Expr.ClaimedSum());
    }
}
