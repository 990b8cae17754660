using Verity.Algebra;
using Verity.Stark.Air.Expressions;

namespace Verity.Stark.Air.Model;

/// <summary>Declares one table's columns, constraints and bus interactions.</summary>
public sealed class TableBuilder
{
    private readonly List<Constraint> _constraints = [];
    private readonly List<Interaction> _interactions = [];
    private readonly List<Goldilocks[]> _periodic = [];
    private readonly int _publicInputCount;
    private Goldilocks[][] _preprocessed = [];

    internal TableBuilder(string name, int index, int mainWidth, int publicInputCount)
    {
        if (mainWidth < 1) throw new ArgumentOutOfRangeException(nameof(mainWidth), "A table needs at least one main column.");
        Name = name;
        Index = index;
        MainWidth = mainWidth;
        _publicInputCount = publicInputCount;
    }

    public string Name { get; }
    public int Index { get; }
    public int MainWidth { get; }

    /// <summary>See <see cref="Precommitted"/>.</summary>
    public bool IsPrecommitted { get; private set; }

    public Expr Main(int column)
    {
        if ((uint)column >= (uint)MainWidth) throw new ArgumentOutOfRangeException(nameof(column), $"Table '{Name}' has {MainWidth} main columns.");
        return Expr.Main(column);
    }

    public Expr PreprocessedColumn(int column)
    {
        if ((uint)column >= (uint)_preprocessed.Length) throw new ArgumentOutOfRangeException(nameof(column), $"Table '{Name}' has {_preprocessed.Length} preprocessed columns.");
        return Expr.Preprocessed(column);
    }

    public Expr PublicInput(int index)
    {
        if ((uint)index >= (uint)_publicInputCount) throw new ArgumentOutOfRangeException(nameof(index), $"The AIR has {_publicInputCount} public inputs.");
        return Expr.PublicInput(index);
    }

    /// <summary>Sets the preprocessed columns; they fix the table's height.</summary>
    public TableBuilder WithPreprocessed(params Goldilocks[][] columns)
    {
        if (columns.Length == 0) throw new ArgumentException("At least one preprocessed column.", nameof(columns));
        int n = columns[0].Length;
        if (n < 4 || !int.IsPow2(n)) throw new ArgumentException($"Preprocessed columns need a power-of-two height ≥ 4, got {n}.", nameof(columns));
        if (columns.Any(c => c.Length != n)) throw new ArgumentException("Preprocessed columns must have equal heights.", nameof(columns));
        _preprocessed = columns.Select(c => (Goldilocks[])c.Clone()).ToArray();
        return this;
    }

    /// <summary>Adds a periodic column (period a power of two, repeated down the table); returns its leaf.</summary>
    public Expr AddPeriodic(params Goldilocks[] cycle)
    {
        if (cycle.Length == 0 || !int.IsPow2(cycle.Length)) throw new ArgumentException($"A periodic column needs a power-of-two period, got {cycle.Length}.", nameof(cycle));
        _periodic.Add((Goldilocks[])cycle.Clone());
        return Expr.Periodic(_periodic.Count - 1);
    }

    public TableBuilder Transition(string name, Expr constraint) => Add(name, ConstraintDomain.Transition, constraint);
    public TableBuilder FirstRow(string name, Expr constraint) => Add(name, ConstraintDomain.FirstRow, constraint);
    public TableBuilder LastRow(string name, Expr constraint) => Add(name, ConstraintDomain.LastRow, constraint);
    public TableBuilder EveryRow(string name, Expr constraint) => Add(name, ConstraintDomain.EveryRow, constraint);

    /// <summary>
    /// Marks the table as committed in phase 1: its main trace is committed (and its root handed to
    /// the caller, see <c>StarkProver.CommitMainTrace</c>) before the external challenges are chosen.
    /// Required for external interactions, whose values must be fixed before γₑ, βₑ exist.
    /// </summary>
    public TableBuilder Precommitted()
    {
        IsPrecommitted = true;
        return this;
    }

    /// <summary>Sends the tuple <paramref name="values"/> on a bus with a multiplicity (rows where it is 0 send nothing).</summary>
    public TableBuilder Send(int bus, Expr multiplicity, params Expr[] values) => AddInteraction(bus, multiplicity, values, true, BusScope.Local);

    /// <summary>Receives the tuple <paramref name="values"/> from a bus with a multiplicity.</summary>
    public TableBuilder Receive(int bus, Expr multiplicity, params Expr[] values) => AddInteraction(bus, multiplicity, values, false, BusScope.Local);

    /// <summary>Sends on an external bus, balanced across proofs by the caller; only in a <see cref="Precommitted"/> table.</summary>
    public TableBuilder SendExternal(int bus, Expr multiplicity, params Expr[] values) => AddInteraction(bus, multiplicity, values, true, BusScope.External);

    /// <summary>Receives from an external bus, balanced across proofs by the caller; only in a <see cref="Precommitted"/> table.</summary>
    public TableBuilder ReceiveExternal(int bus, Expr multiplicity, params Expr[] values) => AddInteraction(bus, multiplicity, values, false, BusScope.External);

    private TableBuilder AddInteraction(int bus, Expr multiplicity, Expr[] values, bool send, BusScope scope)
    {
        if (bus < 0) throw new ArgumentOutOfRangeException(nameof(bus));
        if (values.Length == 0) throw new ArgumentException("An interaction carries at least one value.", nameof(values));
        foreach (var e in values.Append(multiplicity)) CheckBaseOnly(e, "bus interaction");
        _interactions.Add(new Interaction(bus, values, multiplicity, send, scope));
        return this;
    }

    private TableBuilder Add(string name, ConstraintDomain domain, Expr constraint)
    {
        CheckBaseOnly(constraint, $"constraint '{name}'");
        if (domain == ConstraintDomain.EveryRow && constraint.UsesNextRow)
            throw new ArgumentException($"Constraint '{name}' applies to every row and may not use next-row values.", nameof(constraint));
        if (domain is ConstraintDomain.FirstRow or ConstraintDomain.LastRow && constraint.UsesNextRow)
            throw new ArgumentException($"Boundary constraint '{name}' may not use next-row values.", nameof(constraint));
        _constraints.Add(new Constraint(name, domain, constraint));
        return this;
    }

    // User constraints see main, preprocessed, periodic columns and public inputs; aux columns and
    // challenges belong to the LogUp argument the table derives itself.
    private void CheckBaseOnly(Expr e, string what)
    {
        switch (e.Kind)
        {
            case ExprKind.Auxiliary or ExprKind.Challenge or ExprKind.ClaimedSum:
                throw new ArgumentException($"In table '{Name}', {what} refers to {e.Kind}, which only the LogUp argument may use.");
            case ExprKind.Main when e.Index >= MainWidth:
                throw new ArgumentException($"In table '{Name}', {what} refers to main column {e.Index} of {MainWidth}.");
            case ExprKind.Preprocessed when e.Index >= _preprocessed.Length:
                throw new ArgumentException($"In table '{Name}', {what} refers to preprocessed column {e.Index} of {_preprocessed.Length}.");
            case ExprKind.Periodic when e.Index >= _periodic.Count:
                throw new ArgumentException($"In table '{Name}', {what} refers to periodic column {e.Index} of {_periodic.Count}.");
            case ExprKind.PublicInput when e.Index >= _publicInputCount:
                throw new ArgumentException($"In table '{Name}', {what} refers to public input {e.Index} of {_publicInputCount}.");
        }
        if (e.Left != null) CheckBaseOnly(e.Left, what);
        if (e.Right != null) CheckBaseOnly(e.Right, what);
    }

    internal TableDefinition Build()
    {
        // An external interaction in a table committed after γₑ, βₑ are known could be chosen to
        // cancel any other proof's sum: the external challenges must come after its values.
        if (!IsPrecommitted && _interactions.FirstOrDefault(i => i.Scope == BusScope.External) is { } external)
            throw new ArgumentException($"Table '{Name}' has an interaction on external bus {external.Bus} but is not precommitted (call Precommitted()).");
        // A periodic column needs a table at least as tall as its period; preprocessed columns fix the height.
        if (_preprocessed.Length > 0 && _periodic.FindIndex(c => c.Length > _preprocessed[0].Length) is var j and >= 0)
            throw new ArgumentException($"Table '{Name}': periodic column {j} has period {_periodic[j].Length}, longer than the table's preprocessed height {_preprocessed[0].Length}.");
        return new(Name, Index, MainWidth, IsPrecommitted, _preprocessed, [.. _periodic], _constraints, _interactions,
            _preprocessed.Length > 0 ? System.Numerics.BitOperations.Log2((uint)_preprocessed[0].Length) : null);
    }
}
