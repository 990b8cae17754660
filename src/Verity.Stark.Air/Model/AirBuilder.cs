using Verity.Stark.Air.Expressions;

namespace Verity.Stark.Air.Model;

/// <summary>Builds an <see cref="AirDefinition"/> table by table.</summary>
public sealed class AirBuilder(string name, int publicInputCount)
{
    private readonly List<TableBuilder> _tables = [];
    private readonly List<Interaction> _public = [];

    public TableBuilder Table(string tableName, int mainWidth)
    {
        if (_tables.Any(t => t.Name == tableName)) throw new ArgumentException($"Duplicate table name '{tableName}'.", nameof(tableName));
        var t = new TableBuilder(tableName, _tables.Count, mainWidth, publicInputCount);
        _tables.Add(t);
        return t;
    }

    /// <summary>
    /// Sends a tuple on a local bus from the statement itself, once per proof (e.g. a segment's
    /// public start state, which a table receives). Every expression may use only constants and
    /// public inputs: the verifier evaluates the term itself.
    /// </summary>
    public AirBuilder PublicSend(int bus, Expr multiplicity, params Expr[] values) => AddPublic(bus, multiplicity, values, true);

    /// <summary>Receives a tuple on a local bus into the statement (e.g. a segment's public end state, which a table sends).</summary>
    public AirBuilder PublicReceive(int bus, Expr multiplicity, params Expr[] values) => AddPublic(bus, multiplicity, values, false);

    private AirBuilder AddPublic(int bus, Expr multiplicity, Expr[] values, bool send)
    {
        if (bus < 0) throw new ArgumentOutOfRangeException(nameof(bus));
        if (values.Length == 0) throw new ArgumentException("An interaction carries at least one value.", nameof(values));
        foreach (var e in values.Append(multiplicity)) CheckPublicOnly(e, bus);
        _public.Add(new Interaction(bus, values, multiplicity, send, BusScope.Local));
        return this;
    }

    private void CheckPublicOnly(Expr e, int bus)
    {
        switch (e.Kind)
        {
            case ExprKind.Constant or ExprKind.Add or ExprKind.Sub or ExprKind.Mul or ExprKind.Neg:
                break;
            case ExprKind.PublicInput when e.Index < publicInputCount:
                break;
            case ExprKind.PublicInput:
                throw new ArgumentException($"Public interaction on bus {bus} refers to public input {e.Index} of {publicInputCount}.");
            default:
                throw new ArgumentException($"Public interaction on bus {bus} refers to {e.Kind}; only constants and public inputs are allowed.");
        }
        if (e.Left != null) CheckPublicOnly(e.Left, bus);
        if (e.Right != null) CheckPublicOnly(e.Right, bus);
    }

    public AirDefinition Build()
    {
        if (_tables.Count == 0) throw new InvalidOperationException("An AIR needs at least one table.");
        if (_tables.Count > 255) throw new InvalidOperationException("At most 255 tables.");
        var tables = _tables.Select(t => t.Build()).ToArray();
        CheckBusScopes(tables);
        return new AirDefinition(name, publicInputCount, tables, [.. _public]);
    }

    // A bus balanced in-proof under γ, β and across proofs under γₑ, βₑ at once would balance
    // neither: each number belongs to exactly one scope.
    private void CheckBusScopes(TableDefinition[] tables)
    {
        var scopes = new Dictionary<int, BusScope>();
        foreach (var it in tables.SelectMany(t => t.Interactions).Concat(_public))
        {
            if (!scopes.TryAdd(it.Bus, it.Scope) && scopes[it.Bus] != it.Scope)
                throw new ArgumentException($"Bus {it.Bus} is used both as a local and as an external bus; a bus number has one scope per AIR.");
        }
    }
}
