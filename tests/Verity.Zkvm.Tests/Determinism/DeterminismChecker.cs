using System.Diagnostics;
using System.Numerics;
using System.Text;
using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Zkvm.Tests.Determinism;

/// <summary>
/// The determinism checker (the approach of Picus and Ecne). A chip is deterministic when every column of a row is a
/// function of what the row receives. The checker encodes one row's constraints twice, for copies A and B, assumes
/// that both copies receive the same things, and asks Z3 for an assignment where some column differs. UNSAT proves
/// every column unique. SAT means a column is under-constrained: the model comes back as a concrete pair of rows,
/// re-checked against the original constraints in the field before it is reported.
/// <para><b>Inputs.</b> These are derived from the interactions (see <see cref="ChipSpec.DefaultRole"/>):
/// <list type="bullet">
/// <item>Every receive except on the memory bus: the same multiplicity in both copies, and the same values when it is
/// non-zero (execution state, syscall continuation, the precommitted tables' received tuples).</item>
/// <item>Program-bus sends: the ROM tuple is a function of pc.</item>
/// <item>Memory-bus receives: (value, ro, previous time) is a function of (address, time of the paired send), or of
/// the address alone when there is no paired send (the boundary's final versions).</item>
/// <item>IO-bus sends of kind 0: the input byte is a function of its offset.</item>
/// <item>Public inputs: the same in both copies.</item>
/// </list>
/// Range16 sends and ByteAnd sends with a non-zero multiplicity give range facts. For ByteAnd, z = AND8(x, y) is an
/// uninterpreted function bounded by max(0, x + y − 255) ≤ z ≤ min(x, y), exact bit by bit when one operand is a
/// constant. Sent values need no check of their own: they are polynomials in the row's columns and the public inputs,
/// so equal columns send equal tuples.</para>
/// <para><b>Value facts</b> (<see cref="ValueFact"/>, assumed whenever the multiplicity is non-zero):
/// <list type="bullet">
/// <item>The ROM holds 4-aligned u32 pcs, register indices below 32 and u32 immediates.</item>
/// <item>Every memory version on the bus has a u32 value and a boolean ro. This is an invariant by induction over
/// time: every memory send of a chip is checked to keep it (the obligation queries), and the boundary's initial
/// versions come from the global bus, whose versions are image words, zero, or earlier final versions.</item>
/// <item>A next pc sent on the execution bus is a 4-aligned u32: every receiver looks its pc up in the ROM (syscall
/// transfer and finish rows forward it to a row that does), and the statement's end pc is the next segment's start
/// pc. Branch and jump rows need this: their carry (and JALR's bit 0) is unique only because the target must be a
/// ROM pc. Without the fact, the checker finds the two rows (see <see cref="ChipSpec.StrictFacts"/>).</item>
/// </list></para>
/// <para><b>Encoding.</b> See <see cref="SmtEncoder"/>: fields as bounded integers, "≡ 0 (mod p)" as p·k, and booleans
/// as SMT booleans. A product of two non-boolean factors l·r becomes a product atom t with lemmas that hold in any
/// field:
/// <list type="bullet">
/// <item>t = 0 ⟺ l = 0 ∨ r = 0.</item>
/// <item>l = 1 → t = r, and r = 1 → t = l.</item>
/// <item>Across the copies, equal factors give equal products, and equal products with an equal non-zero factor
/// give equal other factors (cancellation: p is prime).</item>
/// </list>
/// The lemmas only remove impossible assignments, so UNSAT stays a proof. A SAT model may violate t = l·r. It is
/// re-checked in the field, as given or with a lone column factor recomputed as t/l. If it still fails, the query is
/// refined (<see cref="QueryFacts.Refine"/>: the true lemmas l = l₀ → t ≡ l₀·r at the model's values, then, to search
/// for a genuine model only, pinned factors) and solved again. What cannot be settled is <see cref="Verdict.Unknown"/>,
/// never a pass. <see cref="ChipSpec.ExactProducts"/> adds t = l·r as non-linear integer arithmetic for small
/// factors (too slow for division, see <see cref="ChipSpec.DivisionArgument"/>).</para>
/// <para><b>Obligations.</b> One single-copy query per kind checks that no active send breaks an
/// <see cref="InteractionSpec.Obligations"/> fact: memory sends carry a u32 value and a boolean ro, and syscall
/// continuations keep mode, lane, bytes left and count in range. These are the halves of the invariants that the facts
/// assume on receives.</para>
/// <para><b>Manual parts.</b> <see cref="ChipSpec.AssumedEqual"/> columns are assumed equal in same-kind queries on the
/// strength of a written argument: only division's quotient and remainder.</para>
/// <para><b>Row kinds.</b> The selector columns of a kind (e.g. real and the operation flags) become constants. That
/// makes flag × value products linear, and lets range facts with a constant multiplicity tighten column bounds. Three
/// kinds of query close the split:
/// <list type="bullet">
/// <item>For kinds K ≠ L, no pair of rows of kinds K and L receives the same things (the kind is itself determined).</item>
/// <item>A coverage query shows the kinds exhaust the selector-only constraints.</item>
/// <item>Sub-split columns (the ROM's r1, r2, w) are shown to agree before they are enumerated.</item>
/// </list></para>
/// <para><b>Transition constraints.</b> A table with any is checked over a window of two rows, by induction. The base
/// query checks row 0 with the first-row constraints. The step query assumes the current rows of A and B are equal
/// and checks the next rows. Last-row constraints are left out: they only add constraints, so leaving them out cannot
/// hide a free column. The LogUp auxiliary columns are left out too: the checker is about the main trace.</para>
/// </summary>
internal sealed class DeterminismChecker
{
    private readonly ChipSpec _spec;
    private readonly TableDefinition _table;
    private readonly AtomTable _atoms;
    private readonly HashSet<int> _booleans;
    private readonly Dictionary<string, (Normalizer N, Dictionary<int, (BigInteger, BigInteger)> Bounds)> _kinds = [];
    private readonly bool _window;

    public DeterminismChecker(ChipSpec spec)
    {
        _spec = spec;
        _table = spec.Table;
        _atoms = new AtomTable(spec.Columns);
        _booleans = FindBooleans(_table);
        _window = _table.UserConstraints.Any(c => c.Domain == ConstraintDomain.Transition);
    }

    public ChipSpec Spec => _spec;

    /// <summary>
    /// Solver attempts per query, tried in order until one answers sat or unsat: Z3 options and a timeout in
    /// milliseconds. These queries are heavy-tailed: the same query takes 0.1 s or more than 20 s depending on the
    /// arithmetic solver and the random seed, so short attempts with different settings beat one long one. Relevancy
    /// propagation is off in all of them (with it, the arith chip's 82 queries took about 200 s instead of 3 s).
    /// An answer of unknown from every attempt is reported as <see cref="Verdict.Unknown"/>, which fails the test.
    /// </summary>
    public IReadOnlyList<(string Options, int TimeoutMs)> Attempts { get; init; } =
    [
        ("(set-option :smt.relevancy 0)", 2_000),
        ("(set-option :smt.relevancy 0)(set-option :smt.arith.solver 2)", 2_000),
        ("(set-option :smt.relevancy 0)(set-option :smt.random_seed 7)", 4_000),
        ("(set-option :smt.relevancy 0)(set-option :smt.arith.solver 2)(set-option :smt.random_seed 11)", 8_000),
        ("(set-option :smt.relevancy 0)(set-option :smt.random_seed 23)", 20_000),
    ];

    /// <summary>Columns declared boolean by a constraint x·(x − 1) (either factor order, or x·x − x).</summary>
    private static HashSet<int> FindBooleans(TableDefinition table)
    {
        var result = new HashSet<int>();
        var atoms = new AtomTable([.. Enumerable.Range(0, table.MainWidth).Select(i => $"c{i}")]);
        var n = new Normalizer(atoms, new HashSet<int>(), new Dictionary<int, long>(), abstractProducts: false);
        foreach (var c in table.UserConstraints.Where(c => c.Domain == ConstraintDomain.EveryRow))
        {
            var p = n.Normalize(c.Expression);
            if (p.Terms.Count != 2) continue;
            var single = p.Terms.Keys.FirstOrDefault(m => m.Atoms.Length == 1).Atoms;
            if (single is not [int x] || atoms[x].Kind != AtomKind.Column) continue;
            if (p.Terms.TryGetValue(new Mono([x, x]), out var c2) && p.Terms.TryGetValue(new Mono([x]), out var c1) && Poly.Mod(c1 + c2).IsZero)
                result.Add(atoms[x].Index);
        }
        return result;
    }

    /// <summary>The normalizer of a kind and the column bounds its constant-multiplicity range checks and facts give.</summary>
    private (Normalizer N, Dictionary<int, (BigInteger, BigInteger)> Bounds) Kind(IReadOnlyDictionary<int, long> fixedColumns)
    {
        string key = string.Join(",", fixedColumns.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));
        if (_kinds.TryGetValue(key, out var k)) return k;
        var n = new Normalizer(_atoms, _booleans, fixedColumns);
        var bounds = new Dictionary<int, (BigInteger, BigInteger)>();
        void Bound(Poly value, BigInteger lo, BigInteger hi)
        {
            if (value.SingleAtom is not int a || _atoms[a].Kind != AtomKind.Column || n.IsBoolean(a) || lo < 0) return;
            bounds[a] = bounds.TryGetValue(a, out var b) ? (BigInteger.Max(b.Item1, lo), BigInteger.Min(b.Item2, hi)) : (lo, hi);
        }
        for (int row = 0; row < (_window ? 2 : 1); row++)
            for (int i = 0; i < _table.Interactions.Count; i++)
            {
                var it = _table.Interactions[i];
                var spec = _spec.Role(_table, i);
                var m = n.Normalize(it.Multiplicity, row);
                if (!m.IsConstant || m.IsZero) continue;
                if (spec.Role is InteractionRole.Range16 or InteractionRole.ByteAnd)
                {
                    BigInteger hi = spec.Role == InteractionRole.Range16 ? 0xFFFF : 0xFF;
                    foreach (var v in spec.Role == InteractionRole.Range16 ? it.Values.Take(1) : it.Values) Bound(n.Normalize(v, row), 0, hi);
                }
                foreach (var f in spec.Facts ?? []) Bound(n.Normalize(it.Values[f.Index], row), f.Lo, f.Hi);
            }
        return _kinds[key] = (n, bounds);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Queries

    /// <summary>Runs every query of one row kind; all must be UNSAT for the kind to pass.</summary>
    public List<QueryResult> CheckKind(RowKind kind)
    {
        var results = new List<QueryResult>();
        var kinds = _spec.Kinds;
        int index = kinds.IndexOf(kind);
        if (index < 0) throw new ArgumentException($"{kind} is not a kind of {_spec.Name}");
        if (index == 0 && kinds.Count > 1) results.Add(Coverage());
        // Kind K against every later kind L: no two rows of different kinds receive the same things.
        for (int j = index + 1; j < kinds.Count; j++)
            results.Add(Run($"{kind} vs {kinds[j]}", kind.Fixed, kinds[j].Fixed, differ: null));
        if (kind.SubSplit.Length > 0)
        {
            string Differ(SmtEncoder enc) => SmtEncoder.Or(kind.SubSplit.Select(c =>
            {
                int atom = _atoms.Id(new Atom(AtomKind.Column, c));
                return $"(xor {enc.BoolAtom("A", atom)} {enc.BoolAtom("B", atom)})";
            }));
            results.Add(Run($"{kind}: {string.Join(", ", kind.SubSplit.Select(c => _spec.Columns[c]))} agree", kind.Fixed, kind.Fixed, Differ));
            foreach (int mask in kind.SubSplitMasks ?? [.. Enumerable.Range(0, 1 << kind.SubSplit.Length)])
            {
                var f = new Dictionary<int, long>(kind.Fixed);
                for (int b = 0; b < kind.SubSplit.Length; b++) f[kind.SubSplit[b]] = (mask >> b) & 1;
                string name = $"{kind} [{string.Join(" ", kind.SubSplit.Select((c, b) => $"{_spec.Columns[c]}={(mask >> b) & 1}"))}]";
                results.Add(Run(name, f, f, AnyColumnDiffers));
            }
        }
        else if (_window)
        {
            results.Add(Run($"{kind}: first row", kind.Fixed, kind.Fixed, AnyColumnDiffers, baseCase: true));
            results.Add(Run($"{kind}: next row", kind.Fixed, kind.Fixed, AnyColumnDiffers));
        }
        else results.Add(Run(kind.Name, kind.Fixed, kind.Fixed, AnyColumnDiffers));
        if (HasObligations) results.Add(Obligations(kind));
        return results;
    }

    /// <summary>Marker for <see cref="Run"/>: some column of the checked row differs.</summary>
    private static string AnyColumnDiffers(SmtEncoder enc) => throw new InvalidOperationException("marker");

    private bool HasObligations => Enumerable.Range(0, _table.Interactions.Count).Any(i => _spec.Role(_table, i).Obligations is { Length: > 0 });

    /// <summary>The kinds cover every assignment of the selector columns that the selector-only constraints allow.</summary>
    private QueryResult Coverage()
    {
        var selectors = _spec.Kinds.SelectMany(k => k.Fixed.Keys).ToHashSet();
        var sw = Stopwatch.StartNew();
        var (n, bounds) = Kind(new Dictionary<int, long>());
        var enc = new SmtEncoder(_atoms, _spec.PublicBounds);
        enc.AddCopy("A", n, bounds);
        foreach (var c in _table.UserConstraints.Where(c => c.Domain == ConstraintDomain.EveryRow))
        {
            var p = n.Normalize(c.Expression);
            if (p.AtomIds.All(a => _atoms[a].Kind == AtomKind.Column && selectors.Contains(_atoms[a].Index)))
                enc.Assert(enc.EqZero("A", p));
        }
        foreach (var k in _spec.Kinds)
            enc.Assert("(not " + SmtEncoder.And(k.Fixed.Select(kv => SelectorIs(enc, kv.Key, kv.Value))) + ")");
        return Solve("row kinds cover the selector constraints", enc, sw, facts: null, validate: null);
    }

    private string SelectorIs(SmtEncoder enc, int column, long value)
    {
        int atom = _atoms.Id(new Atom(AtomKind.Column, column));
        return enc.IsBool("A", atom)
            ? (value == 1 ? enc.BoolAtom("A", atom) : value == 0 ? $"(not {enc.BoolAtom("A", atom)})" : "false")
            : $"(= {enc.IntAtom("A", atom)} {SmtEncoder.Num(value)})";
    }

    /// <summary>One row of the kind, one copy: can a send with an obligation carry a value outside it?</summary>
    private QueryResult Obligations(RowKind kind)
    {
        var sw = Stopwatch.StartNew();
        var a = Kind(kind.Fixed);
        var enc = new SmtEncoder(_atoms, _spec.PublicBounds);
        enc.AddCopy("A", a.N, a.Bounds);
        var facts = new QueryFacts(this, enc, ["A"], rows: 1, baseCase: _window);
        facts.Constraints("A");
        facts.Interactions();
        enc.Comment("some send breaks an obligation");
        enc.Assert(SmtEncoder.Or(facts.ObligationViolations("A")));
        facts.ProductLemmas();
        return Solve($"{kind}: sends keep the invariants", enc, sw, facts, model => facts.Validate(model, kind.Fixed, kind.Fixed));
    }

    /// <summary>
    /// After a SAT "some column differs" query: rounds of the same query with one more differing column pinned equal
    /// (the first in layout order), so that independent freedoms show up one after the other.
    /// </summary>
    public int DiagnosisRounds { get; init; } = 2;

    /// <param name="differ">null: the kinds differ, so any common assignment is a finding; <see cref="AnyColumnDiffers"/>: some column differs; else that formula.</param>
    /// <param name="baseCase">Window tables: check row 0 alone with the first-row constraints.</param>
    private QueryResult Run(string name, IReadOnlyDictionary<int, long> kindA, IReadOnlyDictionary<int, long> kindB, Func<SmtEncoder, string>? differ,
        bool baseCase = false)
    {
        var (result, differing) = RunOnce(name, kindA, kindB, differ, baseCase, []);
        if (result.Verdict != Verdict.Sat || differ != AnyColumnDiffers) return result;
        var detail = new StringBuilder(result.Detail);
        var pinned = new List<int>();
        for (int round = 0; round < DiagnosisRounds && differing.Count > 0; round++)
        {
            pinned.Add(differing.Min());
            var (r, d) = RunOnce(name, kindA, kindB, differ, baseCase, pinned);
            string with = string.Join(", ", pinned.Select(c => _spec.Columns[c]));
            if (r.Verdict == Verdict.Unsat) { detail.Append($"  with {with} also equal in both rows, no column can differ.\n"); break; }
            detail.Append($"  --- with {with} also equal in both rows: {(r.Verdict == Verdict.Sat ? "" : "undecided: ")}{r.Detail}");
            if (r.Verdict != Verdict.Sat) break;
            differing = d;
        }
        return result with { Detail = detail.ToString() };
    }

    private (QueryResult Result, List<int> Differing) RunOnce(string name, IReadOnlyDictionary<int, long> kindA, IReadOnlyDictionary<int, long> kindB,
        Func<SmtEncoder, string>? differ, bool baseCase, List<int> pinned)
    {
        var sw = Stopwatch.StartNew();
        var a = Kind(kindA);
        var b = Kind(kindB);
        var enc = new SmtEncoder(_atoms, _spec.PublicBounds);
        enc.AddCopy("A", a.N, a.Bounds);
        enc.AddCopy("B", b.N, b.Bounds);
        int rows = _window && !baseCase ? 2 : 1;
        var facts = new QueryFacts(this, enc, ["A", "B"], rows, baseCase);
        facts.Constraints("A");
        facts.Constraints("B");
        facts.Interactions();
        if (rows == 2)
        {
            enc.Comment("induction hypothesis: the current rows agree");
            for (int c = 0; c < _table.MainWidth; c++) enc.Assert(facts.ColumnEq(c, 0));
        }
        int outRow = rows - 1;
        foreach (int c in pinned) enc.Assert(facts.ColumnEq(c, outRow));
        if (differ == AnyColumnDiffers && _spec.AssumedEqual.Length > 0)
        {
            enc.Comment($"assumed equal: {_spec.AssumedWhy}");
            foreach (int c in _spec.AssumedEqual) enc.Assert(facts.ColumnEq(c, outRow));
        }
        if (differ == AnyColumnDiffers)
        {
            var diffs = new List<string>();
            for (int c = 0; c < _table.MainWidth; c++)
            {
                if (_spec.AssumedEqual.Contains(c)) continue;
                if (outRow == 0 && kindA.TryGetValue(c, out long va) && kindB.TryGetValue(c, out long vb) && va == vb) continue;
                diffs.Add($"(not {facts.ColumnEq(c, outRow)})");
            }
            enc.Comment("some column differs");
            enc.Assert(SmtEncoder.Or(diffs));
        }
        else if (differ != null)
        {
            enc.Comment("the sub-split columns differ");
            enc.Assert(differ(enc));
        }
        facts.ProductLemmas();
        var result = Solve(name, enc, sw, facts, model => facts.Validate(model, kindA, kindB));
        return (result, [.. facts.Differing]);
    }

    /// <summary>Rounds of counterexample-guided refinement of product atoms before a spurious model is reported as unknown.</summary>
    public int RefinementRounds { get; init; } = 6;

    private QueryResult Solve(string name, SmtEncoder enc, Stopwatch sw, QueryFacts? facts, Func<Dictionary<string, BigInteger>, string>? validate)
    {
        if (Environment.GetEnvironmentVariable("VERITY_DETERMINISM_DUMP") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            string file = string.Concat($"{_spec.Name}.{name}".Select(ch => char.IsLetterOrDigit(ch) || ch is '.' or '_' or '-' ? ch : '_'));
            File.WriteAllText(Path.Combine(dir, file + ".smt2"), $"{Attempts[0].Options}\n{enc.Script}(check-sat)\n");
        }
        string lastReport = "";
        bool searching = false;
        for (int round = 0; round <= RefinementRounds; round++)
        {
            var (verdict, model, reason) = Check(enc);
            if (verdict == Verdict.Unsat && !searching) return new(name, Verdict.Unsat, round == 0 ? "" : $"after {round} refinement rounds", sw.Elapsed);
            if (verdict == Verdict.Unsat) break;
            if (verdict == Verdict.Unknown) return new(name, Verdict.Unknown, $"the solver could not decide in {sw.Elapsed.TotalSeconds:F1} s: {reason}", sw.Elapsed);
            if (validate == null)
                return new(name, Verdict.Sat, string.Join(", ", model!.Where(kv => !kv.Key.Contains('#')).Select(kv => $"{kv.Key.Trim('|')}={kv.Value}")), sw.Elapsed);
            lastReport = validate(model!);
            if (!lastReport.StartsWith(QueryFacts.Spurious, StringComparison.Ordinal)) return new(name, Verdict.Sat, lastReport, sw.Elapsed);
            // Lemmas first (still a proof search); after half the rounds, also pin factors (a model search only).
            searching |= round >= RefinementRounds / 2;
            if (facts == null || !facts.Refine(model!, pin: searching)) break;
        }
        return new(name, Verdict.Unknown, lastReport, sw.Elapsed);
    }

    /// <summary>One check of the script as it stands: the attempts in order until one answers sat or unsat.</summary>
    private (Verdict Verdict, Dictionary<string, BigInteger>? Model, string Reason) Check(SmtEncoder enc)
    {
        var reasons = new List<string>();
        foreach (var (options, timeout) in Attempts)
        {
            using var z3 = new Z3Session();
            string answer = z3.Eval($"(set-option :timeout {timeout})\n{options}\n{enc.Script}(check-sat)").Trim();
            if (answer == "unsat") return (Verdict.Unsat, null, "");
            if (answer != "sat")
            {
                reasons.Add($"{answer} {z3.Eval("(get-info :reason-unknown)").Trim()} with {options} in {timeout} ms");
                continue;
            }
            var model = new Dictionary<string, BigInteger>();
            foreach (var chunk in enc.Declarations.Chunk(200))
                ParseValues(z3.Eval($"(get-value ({string.Join(" ", chunk.Select(d => d.Name))}))"), model);
            return (Verdict.Sat, model, "");
        }
        return (Verdict.Unknown, null, string.Join("; ", reasons));
    }

    /// <summary>Parses ((|name| value) …) with integer values (possibly "(- n)") or true/false.</summary>
    private static void ParseValues(string text, Dictionary<string, BigInteger> into)
    {
        int i = 0;
        string Token()
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length) return "";
            if (text[i] is '(' or ')') return text[i++].ToString();
            if (text[i] == '|')
            {
                int end = text.IndexOf('|', i + 1);
                string s = text[i..(end + 1)];
                i = end + 1;
                return s;
            }
            int start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')')) i++;
            return text[start..i];
        }
        if (Token() != "(") throw new FormatException(text);
        while (true)
        {
            string t = Token();
            if (t == ")" || t == "") break;
            string name = Token();
            string v = Token();
            BigInteger value;
            if (v == "(")
            {
                string op = Token(), n = Token();
                Token();
                if (op != "-") throw new FormatException(text);
                value = -BigInteger.Parse(n);
            }
            else value = v == "true" ? 1 : v == "false" ? 0 : BigInteger.Parse(v);
            Token();
            into[name] = value;
        }
    }

    internal TableDefinition Table => _table;
    internal AtomTable Atoms => _atoms;
}
