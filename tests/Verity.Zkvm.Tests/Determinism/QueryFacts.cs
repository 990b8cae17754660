using System.Numerics;
using System.Text;
using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Zkvm.Tests.Determinism;

/// <summary>
/// The facts of one query: the constraints of each copy, what the interactions assume, the product lemmas, and the
/// re-check of a model in the field.
/// <para>Polarity: "≡ (mod p)" in a positive position is x = p·k with an existential k (<see cref="SmtEncoder.EqZero(Lin)"/>).
/// In a negative position (an antecedent), it is replaced by integer equality of the terms. Integer equality is stronger
/// than ≡, so the assumption gets weaker and UNSAT stays a proof. A model found that way is re-checked in the field.</para>
/// </summary>
internal sealed class QueryFacts(DeterminismChecker checker, SmtEncoder enc, string[] copies, int rows, bool baseCase)
{
    public const string Spurious = "SPURIOUS";
    private readonly TableDefinition _table = checker.Table;
    private readonly AtomTable _atoms = checker.Atoms;
    private readonly ChipSpec _spec = checker.Spec;
    private bool TwoCopies => copies.Length == 2;

    private Poly N(string copy, Expr e, int row) => enc.Copy(copy).Normalize(e, row);

    private IEnumerable<Constraint> Applicable(ConstraintDomain d) => _table.UserConstraints.Where(c => c.Domain == d);

    public void Constraints(string copy)
    {
        for (int row = 0; row < rows; row++)
            foreach (var c in Applicable(ConstraintDomain.EveryRow))
            {
                enc.Comment($"{copy} row {row}: {c.Name}");
                enc.Assert(enc.EqZero(copy, N(copy, c.Expression, row)));
            }
        if (rows == 2)
            foreach (var c in Applicable(ConstraintDomain.Transition))
            {
                enc.Comment($"{copy} transition: {c.Name}");
                enc.Assert(enc.EqZero(copy, N(copy, c.Expression, 0)));
            }
        if (baseCase)
            foreach (var c in Applicable(ConstraintDomain.FirstRow))
            {
                enc.Comment($"{copy} first row: {c.Name}");
                enc.Assert(enc.EqZero(copy, N(copy, c.Expression, 0)));
            }
    }

    /// <summary>Column <paramref name="column"/> of window row <paramref name="row"/> is equal in both copies (exact: columns are canonical).</summary>
    public string ColumnEq(int column, int row)
    {
        string Side(string copy)
        {
            var p = N(copy, Expr.Main(column, row == 1), 0);
            return p.IsConstant ? SmtEncoder.Num(p.ConstantValue) : enc.Term(copy, p).Term;
        }
        return $"(= {Side("A")} {Side("B")})";
    }

    /// <summary>e ≡ 0, positive position.</summary>
    private string Zero(string copy, Expr e, int row) => enc.EqZero(enc.Term(copy, N(copy, e, row)));

    /// <summary>e_A ≡ e_B, positive position.</summary>
    private string Same(Expr e, int row) => enc.EqZero(enc.Term("A", N("A", e, row)) - enc.Term("B", N("B", e, row)));

    /// <summary>Implied by e_A ≢ e_B (integer inequality of the terms), for antecedents.</summary>
    private string Differs(Expr e, int row)
    {
        var ta = enc.Term("A", N("A", e, row));
        var tb = enc.Term("B", N("B", e, row));
        return ta.Term == tb.Term ? "false" : $"(not (= {ta.Term} {tb.Term}))";
    }

    /// <summary>Implied by e ≢ 0, for antecedents.</summary>
    private string NotZeroInt(string copy, Expr e, int row)
    {
        var t = enc.Term(copy, N(copy, e, row));
        return t.Lo == 0 && t.Hi == 0 ? "false" : $"(not (= {t.Term} 0))";
    }

    /// <summary>"m ≡ 0 ∨ body": body holds whenever the multiplicity is non-zero.</summary>
    private string WhenActive(string copy, Expr multiplicity, int row, string body)
    {
        var m = N(copy, multiplicity, row);
        if (m.IsZero) return "true";
        return m.IsConstant ? body : SmtEncoder.Or([enc.EqZero(enc.Term(copy, m)), body]);
    }

    /// <summary>The value of a term, mod p, lies in [lo, hi] and is a multiple of align (positive position).</summary>
    private string InRange(Lin term, BigInteger lo, BigInteger hi, int align, string hint)
    {
        if (align == 1 && term.Lo >= lo && term.Hi <= hi) return "true";
        string w = enc.Fresh(hint, SmtEncoder.CeilDiv(lo, align), SmtEncoder.FloorDiv(hi, align));
        return enc.EqZero(term - new Lin(align == 1 ? w : $"(* {align} {w})", lo, hi));
    }

    public void Interactions()
    {
        for (int row = 0; row < rows; row++)
            for (int i = 0; i < _table.Interactions.Count; i++)
            {
                var it = _table.Interactions[i];
                var spec = _spec.Role(_table, i);
                string label = $"row {row} interaction {i} (bus {it.Bus} {(it.IsSend ? "send" : "receive")}, {spec.Role})";
                foreach (var copy in copies)
                    foreach (var f in spec.Facts ?? [])
                    {
                        enc.Comment($"{copy} {label}: {f}");
                        enc.Assert(WhenActive(copy, it.Multiplicity, row, InRange(enc.Term(copy, N(copy, it.Values[f.Index], row)), f.Lo, f.Hi, f.Align, $"{copy}.fact")));
                    }
                switch (spec.Role)
                {
                    case InteractionRole.Input when TwoCopies:
                        enc.Comment(label);
                        enc.Assert(Same(it.Multiplicity, row));
                        enc.Assert(SmtEncoder.Or([Zero("A", it.Multiplicity, row), SmtEncoder.And(it.Values.Select(v => Same(v, row)))]));
                        break;
                    case InteractionRole.Function when TwoCopies:
                        {
                            enc.Comment(label);
                            var keys = spec.KeyIndices!.Select(k => it.Values[k]).Concat(spec.ExtraKey ?? []).ToList();
                            var values = it.Values.Where((_, k) => !spec.KeyIndices!.Contains(k)).ToList();
                            // (mA ≢ 0 ∧ mB ≢ 0 ∧ keys ≡ [∧ condition ≡ 0]) → values ≡, as a disjunction.
                            var parts = new List<string> { Zero("A", it.Multiplicity, row), Zero("B", it.Multiplicity, row) };
                            parts.AddRange(keys.Select(k => Differs(k, row)));
                            if (spec.ZeroCondition is int z) parts.AddRange(copies.Select(c => NotZeroInt(c, it.Values[z], row)));
                            parts.Add(SmtEncoder.And(values.Select(v => Same(v, row))));
                            enc.Assert(SmtEncoder.Or(parts));
                            break;
                        }
                    case InteractionRole.Range16:
                        foreach (var copy in copies)
                        {
                            var value = enc.Term(copy, N(copy, it.Values[0], row));
                            string fact = InRange(value, 0, 0xFFFF, 1, $"{copy}.range16");
                            if (fact == "true") continue;
                            enc.Comment($"{copy} {label}");
                            enc.Assert(WhenActive(copy, it.Multiplicity, row, fact));
                        }
                        break;
                    case InteractionRole.ByteAnd:
                        foreach (var copy in copies) ByteAndFact(copy, it, row, label);
                        break;
                }
            }
    }

    // x, y are bytes and z = AND8(x, y), an uninterpreted function with max(0, x + y − 255) ≤ AND8(x, y) ≤ min(x, y)
    // (true of AND: x OR y = x + y − z and x XOR y = x + y − 2z are bytes). Equal bytes give equal results
    // (congruence), which is all determinism needs; exact bits for both operands made queries time out. With a
    // constant operand the encoding is exact.
    private void ByteAndFact(string copy, Interaction it, int row, string label)
    {
        if (N(copy, it.Multiplicity, row).IsZero) return;
        enc.Comment($"{copy} {label}");
        var px = N(copy, it.Values[0], row);
        var py = N(copy, it.Values[1], row);
        string x, y, z;
        var extra = new List<string>();
        if (px.IsConstant || py.IsConstant)
        {
            // One operand is a constant c: the other is eight bits, and z = Σ 2^j·bit_j over the bits of c (exact, linear).
            BigInteger c = px.IsConstant ? px.ConstantValue : py.ConstantValue;
            if (c > 255) { enc.Assert(WhenActive(copy, it.Multiplicity, row, "false")); return; }
            var bits = Enumerable.Range(0, 8).Select(j => enc.FreshBool($"{copy}.and.bit{j}")).ToArray();
            string variable = $"(+ {string.Join(" ", bits.Select((b, j) => $"(ite {b} {1 << j} 0)"))})";
            var setBits = Enumerable.Range(0, 8).Where(j => ((int)c >> j & 1) == 1).ToList();
            z = setBits.Count == 0 ? "0" : $"(+ 0 {string.Join(" ", setBits.Select(j => $"(ite {bits[j]} {1 << j} 0)"))})";
            (x, y) = px.IsConstant ? (SmtEncoder.Num(c), variable) : (variable, SmtEncoder.Num(c));
        }
        else
        {
            x = enc.Fresh($"{copy}.and.x", 0, 255);
            y = enc.Fresh($"{copy}.and.y", 0, 255);
            z = $"(and8 {x} {y})";
            enc.DeclareAnd8();
            extra.AddRange([$"(<= 0 {z})", $"(<= {z} {x})", $"(<= {z} {y})", $"(<= (- (+ {x} {y}) 255) {z})"]);
        }
        var parts = new[] { (it.Values[0], x), (it.Values[1], y), (it.Values[2], z) }
            .Select(pair => enc.EqZero(enc.Term(copy, N(copy, pair.Item1, row)) - new Lin(pair.Item2, 0, 255)))
            .Concat(extra);
        enc.Assert(WhenActive(copy, it.Multiplicity, row, SmtEncoder.And(parts)));
    }

    /// <summary>Disjuncts, one per obligation of a send, each true when that send is active and its value breaks the obligation.</summary>
    public IEnumerable<string> ObligationViolations(string copy)
    {
        for (int i = 0; i < _table.Interactions.Count; i++)
        {
            var it = _table.Interactions[i];
            foreach (var f in _spec.Role(_table, i).Obligations ?? [])
            {
                var m = N(copy, it.Multiplicity, 0);
                if (m.IsZero) continue;
                // Active: m ≡ r with r ∈ [1, p − 1]. Broken: value ≡ r' with r' outside [lo, hi] (or not a multiple of align).
                var mt = enc.Term(copy, m);
                string active = m.IsConstant ? "true" : enc.EqZero(mt - new Lin(enc.Fresh($"{copy}.active", 1, SmtEncoder.P - 1), 1, SmtEncoder.P - 1));
                var v = enc.Term(copy, N(copy, it.Values[f.Index], 0));
                var outside = new List<string>();
                if (f.Lo > 0) outside.Add(enc.EqZero(v - new Lin(enc.Fresh($"{copy}.below", 0, f.Lo - 1), 0, f.Lo - 1)));
                if (f.Hi < SmtEncoder.P - 1) outside.Add(enc.EqZero(v - new Lin(enc.Fresh($"{copy}.above", f.Hi + 1, SmtEncoder.P - 1), f.Hi + 1, SmtEncoder.P - 1)));
                if (f.Align > 1)
                {
                    // The canonical value c = align·q + r with 0 < r < align.
                    string c = enc.Fresh($"{copy}.canonical", 0, SmtEncoder.P - 1);
                    string r = enc.Fresh($"{copy}.rem", 1, f.Align - 1), q = enc.Fresh($"{copy}.quot", 0, SmtEncoder.P / f.Align);
                    outside.Add(SmtEncoder.And([enc.EqZero(v - new Lin(c, 0, SmtEncoder.P - 1)), $"(= {c} (+ (* {f.Align} {q}) {r}))"]));
                }
                enc.Comment($"{copy} interaction {i} (bus {it.Bus}) breaks {f}");
                yield return SmtEncoder.And([active, SmtEncoder.Or(outside)]);
            }
        }
    }

    /// <summary>Lemmas for every product atom the query mentions (new product atoms can appear while encoding factors).</summary>
    public void ProductLemmas()
    {
        var done = new HashSet<(string, int)>();
        var doneCross = new HashSet<int>();
        bool progress = true;
        while (progress)
        {
            progress = false;
            foreach (var copy in copies)
                foreach (int t in enc.UsedProducts[copy].ToList())
                {
                    if (!done.Add((copy, t))) continue;
                    progress = true;
                    var (l, r) = Factors(copy, t);
                    var tt = new Lin(enc.IntAtom(copy, t), 0, SmtEncoder.P - 1);
                    var (left, right) = _atoms.Products[_atoms[t].Index];
                    enc.Comment($"{copy} product {_atoms.Name(t)} = ({left.Describe(_atoms)})·({right.Describe(_atoms)})");
                    // t = 0 ⟺ l ≡ 0 ∨ r ≡ 0; l ≡ 1 → t ≡ r; r ≡ 1 → t ≡ l.
                    enc.Assert(SmtEncoder.Or([$"(not (= {tt.Term} 0))", enc.EqZero(l), enc.EqZero(r)]));
                    enc.Assert(SmtEncoder.Or([$"(not (= {l.Term} 0))", $"(= {tt.Term} 0)"]));
                    enc.Assert(SmtEncoder.Or([$"(not (= {r.Term} 0))", $"(= {tt.Term} 0)"]));
                    enc.Assert(SmtEncoder.Or([$"(not (= {l.Term} 1))", enc.EqZero(tt - r)]));
                    enc.Assert(SmtEncoder.Or([$"(not (= {r.Term} 1))", enc.EqZero(tt - l)]));
                    if (_spec.ExactProducts && enc.ProductIsExact(copy, t)) enc.Assert($"(= {tt.Term} (* {l.Term} {r.Term}))");
                }
            if (!TwoCopies) continue;
            foreach (int t in enc.UsedProducts["A"].Intersect(enc.UsedProducts["B"]).ToList())
            {
                if (!doneCross.Add(t)) continue;
                progress = true;
                var (la, ra) = Factors("A", t);
                var (lb, rb) = Factors("B", t);
                string ta = enc.IntAtom("A", t), tb = enc.IntAtom("B", t);
                static string Ne(Lin x, Lin y) => x.Term == y.Term ? "false" : $"(not (= {x.Term} {y.Term}))";
                // Equal factors give equal products; equal products with an equal non-zero factor give equal other factors.
                enc.Assert(SmtEncoder.Or([Ne(la, lb), Ne(ra, rb), $"(= {ta} {tb})"]));
                enc.Assert(SmtEncoder.Or([Ne(la, lb), enc.EqZero(la), $"(not (= {ta} {tb}))", enc.EqZero(ra - rb)]));
                enc.Assert(SmtEncoder.Or([Ne(ra, rb), enc.EqZero(ra), $"(not (= {ta} {tb}))", enc.EqZero(la - lb)]));
            }
        }
    }

    private readonly HashSet<string> _refinements = [];

    /// <summary>
    /// Counterexample-guided refinement: for each product atom whose model value is not the product of its factors'
    /// model values l₀, r₀, adds the true lemmas "l = l₀ → t ≡ l₀·r" and "r = r₀ → t ≡ l·r₀" (linear: l₀, r₀ are
    /// numbers). Returns false when there was nothing new to add.
    /// </summary>
    /// <param name="pin">Also fix each such left factor to l₀ (a search for a genuine model, no longer a proof: an UNSAT
    /// answer after pinning means nothing).</param>
    public bool Refine(Dictionary<string, BigInteger> model, bool pin = false)
    {
        bool added = false;
        foreach (var copy in copies)
            foreach (int t in enc.UsedProducts[copy].ToList())
            {
                if (!model.TryGetValue(SmtEncoder.AtomSymbol(copy, _atoms, t), out var tv)) continue;
                var (left, right) = _atoms.Products[_atoms[t].Index];
                BigInteger l0 = IntValue(left, copy, model), r0 = IntValue(right, copy, model);
                if (Poly.Mod(l0 * r0) == Poly.Mod(tv)) continue;
                var (l, r) = Factors(copy, t);
                var tt = new Lin(enc.IntAtom(copy, t), 0, SmtEncoder.P - 1);
                if (_refinements.Add($"{copy}.{t}.l={l0}"))
                {
                    enc.Assert(SmtEncoder.Or([$"(not (= {l.Term} {SmtEncoder.Num(l0)}))", enc.EqZero(tt - r.Scale(Poly.Signed(Poly.Mod(l0))))]));
                    added = true;
                }
                if (_refinements.Add($"{copy}.{t}.r={r0}"))
                {
                    enc.Assert(SmtEncoder.Or([$"(not (= {r.Term} {SmtEncoder.Num(r0)}))", enc.EqZero(tt - l.Scale(Poly.Signed(Poly.Mod(r0))))]));
                    added = true;
                }
                if (pin && _refinements.Add($"{copy}.{t}.pin"))
                {
                    enc.Assert($"(= {l.Term} {SmtEncoder.Num(l0)})");
                    added = true;
                }
            }
        return added;
    }

    /// <summary>The integer value of a polynomial's term under a model (booleans 0/1, coefficients as in the term).</summary>
    private BigInteger IntValue(Poly p, string copy, Dictionary<string, BigInteger> model)
    {
        BigInteger sum = 0;
        foreach (var (m, c) in p.Terms)
        {
            BigInteger term = Poly.Signed(c);
            foreach (int id in m.Atoms)
            {
                var a = _atoms[id];
                string name = a.Kind == AtomKind.Public ? $"|{_atoms.Name(id)}|" : SmtEncoder.AtomSymbol(copy, _atoms, id);
                if (a.Kind == AtomKind.Column && a.Row == 0 && enc.Copy(copy).Fixed.TryGetValue(a.Index, out long f)) { term *= f; continue; }
                term *= model.TryGetValue(name, out var v) ? v : 0;
            }
            sum += term;
        }
        return sum;
    }

    private (Lin L, Lin R) Factors(string copy, int productAtom)
    {
        var (left, right) = _atoms.Products[_atoms[productAtom].Index];
        return (enc.Term(copy, left), enc.Term(copy, right));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Re-checking a model in the field

    /// <summary>
    /// Rebuilds the rows from a model, repairs product atoms, re-checks everything the query assumed in the field and
    /// describes the rows. The text starts with <see cref="Spurious"/> when the model does not hold up.
    /// </summary>
    /// <summary>The columns of the checked row that differ in the last validated model (two copies).</summary>
    public List<int> Differing { get; } = [];

    public string Validate(Dictionary<string, BigInteger> model, IReadOnlyDictionary<int, long> kindA, IReadOnlyDictionary<int, long> kindB)
    {
        var values = new Dictionary<string, Goldilocks[][]>();
        var publics = new Goldilocks[_spec.PublicInputCount];
        for (int i = 0; i < publics.Length; i++)
            publics[i] = model.TryGetValue($"|pub{i}|", out var pv) ? Field(pv) : Goldilocks.Zero;
        foreach (var copy in copies)
        {
            var kind = copy == "A" ? kindA : kindB;
            var rowsValues = new Goldilocks[rows][];
            for (int row = 0; row < rows; row++)
            {
                rowsValues[row] = new Goldilocks[_table.MainWidth];
                for (int c = 0; c < _table.MainWidth; c++)
                {
                    if (row == 0 && kind.TryGetValue(c, out long f)) { rowsValues[row][c] = Goldilocks.FromInt64(f); continue; }
                    string name = $"|{copy}.{_spec.Columns[c]}{(row == 1 ? "'" : "")}|";
                    rowsValues[row][c] = model.TryGetValue(name, out var v) ? Field(v) : Goldilocks.Zero;
                }
            }
            values[copy] = rowsValues;
        }
        // The model as the solver gave it; if it fails, the same with lone product factors recomputed (repair).
        var problems = Check(values, publics);
        var repairs = new List<string>();
        if (problems.Count > 0)
        {
            var repaired = values.ToDictionary(kv => kv.Key, kv => kv.Value.Select(r => (Goldilocks[])r.Clone()).ToArray());
            var fixes = Repair(model, repaired, publics);
            var after = Check(repaired, publics);
            if (fixes.Count > 0 && after.Count == 0) (values, problems, repairs) = (repaired, after, fixes);
        }
        var sb = new StringBuilder();
        if (problems.Count > 0)
            sb.Append($"{Spurious}: the solver's model violates (with or without repairing product factors): ").AppendJoin("; ", problems.Take(8)).Append('\n');
        else if (TwoCopies) sb.Append("two rows satisfy every constraint, receive the same inputs, and differ:\n");
        else sb.Append("a row satisfies every constraint and sends:\n");
        Differing.Clear();
        if (TwoCopies)
            for (int row = 0; row < rows; row++)
                for (int c = 0; c < _table.MainWidth; c++)
                {
                    var va = values["A"][row][c];
                    var vb = values["B"][row][c];
                    if (va == vb) continue;
                    sb.Append($"  {_spec.Columns[c]}{(row == 1 ? "'" : "")}: A = {Show(va)}, B = {Show(vb)}\n");
                    if (row == rows - 1) Differing.Add(c);
                }
        var same = new List<string>();
        for (int c = 0; c < _table.MainWidth; c++)
        {
            var v = values["A"][rows - 1][c];
            if (!v.IsZero && (!TwoCopies || values["B"][rows - 1][c] == v)) same.Add($"{_spec.Columns[c]}{(rows == 2 ? "'" : "")}={Show(v)}");
        }
        sb.Append(TwoCopies ? "  equal non-zero columns: " : "  non-zero columns: ").AppendJoin(", ", same).Append('\n');
        var pubs = publics.Select((v, i) => (v, i)).Where(x => !x.v.IsZero).Select(x => $"pub{x.i}={Show(x.v)}").ToList();
        if (pubs.Count > 0) sb.Append("  public inputs: ").AppendJoin(", ", pubs).Append('\n');
        if (repairs.Count > 0) sb.Append("  repaired product factors: ").AppendJoin(", ", repairs).Append('\n');
        var sends = Sends(values, publics);
        if (sends.Count > 0) sb.Append(TwoCopies ? "  sent tuples that differ: " : "  sends: ").AppendJoin("; ", sends).Append('\n');
        return sb.ToString();
    }

    private static Goldilocks Field(BigInteger v) => new((ulong)Poly.Mod(v));

    private static string Show(Goldilocks v) => v.Value < 1UL << 40 ? v.Value.ToString()
        : v.Value > Goldilocks.Modulus - (1UL << 40) ? $"p-{Goldilocks.Modulus - v.Value}" : $"{v.Value} (0x{v.Value:x})";

    /// <summary>Product atoms whose model value is not the product of their factors: recompute a lone column factor.</summary>
    private List<string> Repair(Dictionary<string, BigInteger> model, Dictionary<string, Goldilocks[][]> values, Goldilocks[] publics)
    {
        var repairs = new List<string>();
        for (int pass = 0; pass < 3; pass++)
            foreach (var copy in copies)
                foreach (int t in enc.UsedProducts[copy])
                {
                    if (!model.TryGetValue(SmtEncoder.AtomSymbol(copy, _atoms, t), out var tv)) continue;
                    var tval = Field(tv);
                    var (left, right) = _atoms.Products[_atoms[t].Index];
                    var l = EvalPoly(left, copy, values, publics, model);
                    var r = EvalPoly(right, copy, values, publics, model);
                    if (l * r == tval) continue;
                    if (right.SingleAtom is int ra && _atoms[ra].Kind == AtomKind.Column && !l.IsZero)
                    {
                        values[copy][_atoms[ra].Row][_atoms[ra].Index] = tval * l.Inverse();
                        repairs.Add($"{copy}.{_atoms.Name(ra)} := {Show(tval * l.Inverse())}");
                    }
                    else if (left.SingleAtom is int la && _atoms[la].Kind == AtomKind.Column && !r.IsZero)
                    {
                        values[copy][_atoms[la].Row][_atoms[la].Index] = tval * r.Inverse();
                        repairs.Add($"{copy}.{_atoms.Name(la)} := {Show(tval * r.Inverse())}");
                    }
                }
        return repairs;
    }

    private Goldilocks EvalPoly(Poly p, string copy, Dictionary<string, Goldilocks[][]> values, Goldilocks[] publics, Dictionary<string, BigInteger> model)
    {
        var sum = Goldilocks.Zero;
        foreach (var (m, c) in p.Terms)
        {
            var term = new Goldilocks((ulong)c);
            foreach (int id in m.Atoms)
            {
                var a = _atoms[id];
                term *= a.Kind switch
                {
                    AtomKind.Column => values[copy][a.Row][a.Index],
                    AtomKind.Public => publics[a.Index],
                    _ => model.TryGetValue(SmtEncoder.AtomSymbol(copy, _atoms, id), out var v) ? Field(v) : Goldilocks.Zero,
                };
            }
            sum += term;
        }
        return sum;
    }

    private static Goldilocks Eval(Expr e, Goldilocks[][] rowsValues, int row, Goldilocks[] publics) =>
        RowExpr.Eval(e, (column, next) => rowsValues[row + (next ? 1 : 0)][column], publics);

    private static bool Holds(ValueFact f, Goldilocks v) => v.Value >= f.Lo && v.Value <= f.Hi && v.Value % (ulong)f.Align == 0;

    /// <summary>Everything the query assumed, re-checked in the field on the concrete rows.</summary>
    private List<string> Check(Dictionary<string, Goldilocks[][]> values, Goldilocks[] publics)
    {
        var problems = new List<string>();
        foreach (var copy in copies)
        {
            var v = values[copy];
            for (int row = 0; row < rows; row++)
                foreach (var c in Applicable(ConstraintDomain.EveryRow))
                    if (!Eval(c.Expression, v, row, publics).IsZero) problems.Add($"{copy} row {row}: {c.Name}");
            if (rows == 2)
                foreach (var c in Applicable(ConstraintDomain.Transition))
                    if (!Eval(c.Expression, v, 0, publics).IsZero) problems.Add($"{copy} transition: {c.Name}");
            if (baseCase)
                foreach (var c in Applicable(ConstraintDomain.FirstRow))
                    if (!Eval(c.Expression, v, 0, publics).IsZero) problems.Add($"{copy} first row: {c.Name}");
        }
        for (int row = 0; row < rows; row++)
            for (int i = 0; i < _table.Interactions.Count; i++)
            {
                var it = _table.Interactions[i];
                var spec = _spec.Role(_table, i);
                Goldilocks M(string copy) => Eval(it.Multiplicity, values[copy], row, publics);
                Goldilocks[] V(string copy) => [.. it.Values.Select(x => Eval(x, values[copy], row, publics))];
                string label = $"row {row} interaction {i} (bus {it.Bus})";
                foreach (var copy in copies)
                    foreach (var f in spec.Facts ?? [])
                        if (!M(copy).IsZero && !Holds(f, V(copy)[f.Index])) problems.Add($"{copy} {label}: {f} fails");
                switch (spec.Role)
                {
                    case InteractionRole.Input when TwoCopies:
                        if (M("A") != M("B") || (!M("A").IsZero && !V("A").SequenceEqual(V("B")))) problems.Add($"{label}: inputs differ");
                        break;
                    case InteractionRole.Function when TwoCopies:
                        {
                            var va = V("A");
                            var vb = V("B");
                            var keyA = spec.KeyIndices!.Select(k => va[k]).Concat((spec.ExtraKey ?? []).Select(x => Eval(x, values["A"], row, publics)));
                            var keyB = spec.KeyIndices!.Select(k => vb[k]).Concat((spec.ExtraKey ?? []).Select(x => Eval(x, values["B"], row, publics)));
                            bool applies = !M("A").IsZero && !M("B").IsZero && keyA.SequenceEqual(keyB)
                                && (spec.ZeroCondition is not int z || (va[z].IsZero && vb[z].IsZero));
                            if (applies && !va.SequenceEqual(vb)) problems.Add($"{label}: same key, different looked-up values");
                            break;
                        }
                    case InteractionRole.Range16:
                        foreach (var copy in copies)
                            if (!M(copy).IsZero && V(copy)[0].Value > 0xFFFF) problems.Add($"{copy} {label}: {V(copy)[0]} not 16-bit");
                        break;
                    case InteractionRole.ByteAnd:
                        foreach (var copy in copies)
                        {
                            var x = V(copy);
                            if (!M(copy).IsZero && (x[0].Value > 255 || x[1].Value > 255 || x[2].Value != (x[0].Value & x[1].Value)))
                                problems.Add($"{copy} {label}: ({x[0]}, {x[1]}, {x[2]}) not in the AND table");
                        }
                        break;
                }
            }
        if (rows == 2)
            for (int c = 0; c < _table.MainWidth; c++)
                if (values["A"][0][c] != values["B"][0][c]) problems.Add($"hypothesis: current rows differ in {_spec.Columns[c]}");
        if (!TwoCopies)
        {
            bool broken = false;
            for (int i = 0; i < _table.Interactions.Count; i++)
            {
                var it = _table.Interactions[i];
                var m = Eval(it.Multiplicity, values["A"], 0, publics);
                foreach (var f in _spec.Role(_table, i).Obligations ?? [])
                    if (!m.IsZero && !Holds(f, Eval(it.Values[f.Index], values["A"], 0, publics))) broken = true;
            }
            if (!broken) problems.Add("no send breaks an obligation");
        }
        return problems;
    }

    /// <summary>Two copies: the sent tuples that differ. One copy: the sends that break an obligation.</summary>
    private List<string> Sends(Dictionary<string, Goldilocks[][]> values, Goldilocks[] publics)
    {
        var result = new List<string>();
        int row = rows - 1;
        string T(Goldilocks m, Goldilocks[] v) => m.IsZero ? "nothing" : $"{(m == Goldilocks.One ? "" : Show(m) + "×")}({string.Join(", ", v.Select(Show))})";
        for (int i = 0; i < _table.Interactions.Count; i++)
        {
            var it = _table.Interactions[i];
            if (!it.IsSend) continue;
            var ma = Eval(it.Multiplicity, values["A"], row, publics);
            var va = it.Values.Select(x => Eval(x, values["A"], row, publics)).ToArray();
            if (!TwoCopies)
            {
                var broken = (_spec.Role(_table, i).Obligations ?? []).Where(f => !ma.IsZero && !Holds(f, va[f.Index])).ToList();
                if (broken.Count > 0) result.Add($"bus {it.Bus} sends {T(ma, va)}, breaking {string.Join(", ", broken)}");
                continue;
            }
            var mb = Eval(it.Multiplicity, values["B"], row, publics);
            var vb = it.Values.Select(x => Eval(x, values["B"], row, publics)).ToArray();
            if (ma == mb && (ma.IsZero || va.SequenceEqual(vb))) continue;
            result.Add($"bus {it.Bus}: A sends {T(ma, va)}, B sends {T(mb, vb)}");
        }
        return result;
    }
}
