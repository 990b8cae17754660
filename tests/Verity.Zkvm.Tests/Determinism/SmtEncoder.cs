using System.Globalization;
using System.Numerics;
using System.Text;

namespace Verity.Zkvm.Tests.Determinism;

/// <summary>An SMT-LIB integer term with a sound interval for its value.</summary>
internal readonly record struct Lin(string Term, BigInteger Lo, BigInteger Hi)
{
    public static Lin Const(BigInteger c) => new(SmtEncoder.Num(c), c, c);
    public static Lin operator -(Lin a, Lin b) => new($"(- {a.Term} {b.Term})", a.Lo - b.Hi, a.Hi - b.Lo);
    public static Lin operator +(Lin a, Lin b) => new($"(+ {a.Term} {b.Term})", a.Lo + b.Lo, a.Hi + b.Hi);
    public Lin Scale(BigInteger c) => c.IsZero ? Const(0) : c.Sign > 0 ? new($"(* {SmtEncoder.Num(c)} {Term})", c * Lo, c * Hi) : new($"(* {SmtEncoder.Num(c)} {Term})", c * Hi, c * Lo);
}

/// <summary>
/// Writes one query as an SMT-LIB2 script over linear integer arithmetic. A field element is an integer in [0, p);
/// a polynomial is an integer term whose interval follows from its atoms' intervals, so "P ≡ 0 (mod p)" becomes
/// P = p·k with a fresh k bounded by that interval (no k at all when the interval lies inside (−p, p)). Boolean
/// columns are SMT booleans: a monomial c·b₁⋯bⱼ·x is (ite (and b₁ … bⱼ) c·x 0), which keeps every constraint
/// linear. Copies of the row are named by a prefix ("A", "B").
/// </summary>
internal sealed class SmtEncoder
{
    public static readonly BigInteger P = Poly.P;
    private readonly StringBuilder _script = new();
    private readonly HashSet<string> _declared = [];
    private readonly Dictionary<string, Normalizer> _copies = [];
    private readonly Dictionary<string, Dictionary<int, (BigInteger Lo, BigInteger Hi)>> _bounds = [];
    private readonly Dictionary<int, (BigInteger Lo, BigInteger Hi)> _publicBounds;
    private int _fresh;

    /// <summary>Product atoms each copy's terms mention (the checker adds their lemmas).</summary>
    public Dictionary<string, HashSet<int>> UsedProducts { get; } = [];

    /// <summary>Every declared constant, by SMT name, with whether it is boolean (for reading the model back).</summary>
    public List<(string Name, bool IsBool)> Declarations { get; } = [];

    public AtomTable Atoms { get; }

    public SmtEncoder(AtomTable atoms, IReadOnlyDictionary<int, (BigInteger Lo, BigInteger Hi)> publicBounds)
    {
        Atoms = atoms;
        _publicBounds = new(publicBounds);
    }

    public void AddCopy(string copy, Normalizer normalizer, Dictionary<int, (BigInteger Lo, BigInteger Hi)> bounds)
    {
        _copies[copy] = normalizer;
        _bounds[copy] = bounds;
        UsedProducts[copy] = [];
    }

    public Normalizer Copy(string copy) => _copies[copy];

    public string Script => _script.ToString();

    public static string Num(BigInteger c) => c.Sign < 0 ? $"(- {(-c).ToString(CultureInfo.InvariantCulture)})" : c.ToString(CultureInfo.InvariantCulture);

    public void Comment(string text) => _script.Append("; ").Append(text.Replace('\n', ' ')).Append('\n');

    public void Assert(string formula) => _script.Append("(assert ").Append(formula).Append(")\n");

    private string Declare(string name, bool isBool, BigInteger lo = default, BigInteger hi = default)
    {
        string sym = "|" + name + "|";
        if (_declared.Add(sym))
        {
            _script.Append("(declare-const ").Append(sym).Append(isBool ? " Bool)\n" : " Int)\n");
            Declarations.Add((sym, isBool));
            if (!isBool) Assert(lo == hi ? $"(= {sym} {Num(lo)})" : $"(and (<= {Num(lo)} {sym}) (<= {sym} {Num(hi)}))");
        }
        return sym;
    }

    public string Fresh(string hint, BigInteger lo, BigInteger hi) => Declare($"{hint}#{_fresh++}", false, lo, hi);

    public string FreshBool(string hint) => Declare($"{hint}#{_fresh++}", true);

    public static string AtomSymbol(string copy, AtomTable atoms, int id) =>
        atoms[id].Kind == AtomKind.Public ? $"|{atoms.Name(id)}|" : $"|{copy}.{atoms.Name(id)}|";

    public bool IsBool(string copy, int atom) => _copies[copy].IsBoolean(atom);

    public (BigInteger Lo, BigInteger Hi) AtomBounds(string copy, int atom)
    {
        var a = Atoms[atom];
        if (a.Kind == AtomKind.Public) return _publicBounds.TryGetValue(a.Index, out var pb) ? pb : (0, P - 1);
        if (IsBool(copy, atom)) return (0, 1);
        if (a.Kind == AtomKind.Product) return ProductBounds(copy, atom);
        return _bounds[copy].TryGetValue(atom, out var b) ? b : (0, P - 1);
    }

    private readonly Dictionary<(string, int), (BigInteger, BigInteger)> _productBounds = [];

    /// <summary>
    /// A product atom is l·r mod p. When both factors' terms lie in [0, p) and their product stays below p, that is the
    /// integer product, so the atom lies in [lo_l·lo_r, hi_l·hi_r]; otherwise in [0, p).
    /// </summary>
    /// <summary>Whether a product atom's bounds are exact (its factors are small and non-negative, so t = l·r as integers).</summary>
    public bool ProductIsExact(string copy, int atom)
    {
        var (left, right) = Atoms.Products[Atoms[atom].Index];
        var (llo, lhi) = Interval(copy, left);
        var (rlo, rhi) = Interval(copy, right);
        return llo >= 0 && rlo >= 0 && lhi * rhi < P;
    }

    private (BigInteger, BigInteger) ProductBounds(string copy, int atom)
    {
        if (_productBounds.TryGetValue((copy, atom), out var cached)) return cached;
        var (left, right) = Atoms.Products[Atoms[atom].Index];
        var (llo, lhi) = Interval(copy, left);
        var (rlo, rhi) = Interval(copy, right);
        var bounds = llo >= 0 && rlo >= 0 && lhi * rhi < P ? (llo * rlo, lhi * rhi) : (BigInteger.Zero, P - 1);
        return _productBounds[(copy, atom)] = bounds;
    }

    /// <summary>The interval of a polynomial's integer term (the same one <see cref="Term"/> computes), without declaring anything.</summary>
    public (BigInteger Lo, BigInteger Hi) Interval(string copy, Poly p)
    {
        var groups = new Dictionary<string, (bool HasBools, BigInteger Lo, BigInteger Hi)>();
        foreach (var (m, coef) in p.Terms)
        {
            var c = Poly.Signed(coef);
            var bools = m.Atoms.Where(a => IsBool(copy, a)).ToList();
            var others = m.Atoms.Where(a => !IsBool(copy, a)).ToList();
            string key = string.Join(",", bools);
            BigInteger lo = c, hi = c;
            if (others.Count == 1)
            {
                var (alo, ahi) = AtomBounds(copy, others[0]);
                (lo, hi) = c.Sign >= 0 ? (c * alo, c * ahi) : (c * ahi, c * alo);
            }
            var g = groups.TryGetValue(key, out var old) ? old : (HasBools: bools.Count > 0, Lo: BigInteger.Zero, Hi: BigInteger.Zero);
            groups[key] = (g.HasBools, g.Lo + lo, g.Hi + hi);
        }
        BigInteger tlo = 0, thi = 0;
        foreach (var g in groups.Values)
        {
            tlo += g.HasBools ? BigInteger.Min(0, g.Lo) : g.Lo;
            thi += g.HasBools ? BigInteger.Max(0, g.Hi) : g.Hi;
        }
        return (tlo, thi);
    }

    /// <summary>The boolean constant of a boolean column atom.</summary>
    public string BoolAtom(string copy, int atom) => Declare(AtomSymbol(copy, Atoms, atom).Trim('|'), true);

    /// <summary>The integer term of an atom (declared on first use).</summary>
    public string IntAtom(string copy, int atom)
    {
        if (IsBool(copy, atom)) return $"(ite {BoolAtom(copy, atom)} 1 0)";
        var (lo, hi) = AtomBounds(copy, atom);
        if (Atoms[atom].Kind == AtomKind.Product) UsedProducts[copy].Add(atom);
        return Declare(AtomSymbol(copy, Atoms, atom).Trim('|'), false, lo, hi);
    }

    /// <summary>The polynomial as an integer term with its interval (<see cref="Interval"/>).</summary>
    public Lin Term(string copy, Poly p)
    {
        if (p.IsZero) return Lin.Const(0);
        var groups = new Dictionary<string, (List<int> Bools, List<string> Parts)>();
        foreach (var (m, coef) in p.Terms)
        {
            var c = Poly.Signed(coef);
            var bools = m.Atoms.Where(a => IsBool(copy, a)).ToList();
            var others = m.Atoms.Where(a => !IsBool(copy, a)).ToList();
            if (others.Count > 1) throw new InvalidOperationException($"monomial with {others.Count} non-boolean factors reached the encoder");
            string key = string.Join(",", bools);
            if (!groups.TryGetValue(key, out var g)) groups[key] = g = (bools, []);
            if (others.Count == 0) g.Parts.Add(Num(c));
            else
            {
                string x = IntAtom(copy, others[0]);
                g.Parts.Add(c.IsOne ? x : $"(* {Num(c)} {x})");
            }
        }
        var terms = new List<string>();
        foreach (var g in groups.Values)
        {
            string sum = g.Parts.Count == 1 ? g.Parts[0] : $"(+ {string.Join(" ", g.Parts)})";
            if (g.Bools.Count == 0) { terms.Add(sum); continue; }
            string cond = g.Bools.Count == 1 ? BoolAtom(copy, g.Bools[0]) : $"(and {string.Join(" ", g.Bools.Select(b => BoolAtom(copy, b)))})";
            terms.Add($"(ite {cond} {sum} 0)");
        }
        var (lo, hi) = Interval(copy, p);
        return new(terms.Count == 1 ? terms[0] : $"(+ {string.Join(" ", terms)})", lo, hi);
    }

    /// <summary>"x ≡ 0 (mod p)" for a term: x = p·k with k in the range its interval allows. Only in positive positions (k is existential).</summary>
    public string EqZero(Lin x)
    {
        var kLo = CeilDiv(x.Lo, P);
        var kHi = FloorDiv(x.Hi, P);
        if (kLo > kHi) return "false";
        if (kLo.IsZero && kHi.IsZero) return $"(= {x.Term} 0)";
        string k = Fresh("k", kLo, kHi);
        return $"(= {x.Term} (* {Num(P)} {k}))";
    }

    public string EqZero(string copy, Poly p) => EqZero(Term(copy, p));

    private bool _and8;

    /// <summary>Declares the uninterpreted byte AND function <c>and8</c> (once).</summary>
    public void DeclareAnd8()
    {
        if (_and8) return;
        _and8 = true;
        _script.Append("(declare-fun and8 (Int Int) Int)\n");
    }

    public static BigInteger FloorDiv(BigInteger a, BigInteger b) => BigInteger.DivRem(a, b, out var r) is var q && r.Sign < 0 ? q - 1 : q;
    public static BigInteger CeilDiv(BigInteger a, BigInteger b) => -FloorDiv(-a, b);

    public static string And(IEnumerable<string> parts)
    {
        var list = parts.Where(p => p != "true").ToList();
        return list.Count == 0 ? "true" : list.Count == 1 ? list[0] : $"(and {string.Join(" ", list)})";
    }

    public static string Or(IEnumerable<string> parts)
    {
        var list = parts.Where(p => p != "false").ToList();
        return list.Count == 0 ? "false" : list.Count == 1 ? list[0] : $"(or {string.Join(" ", list)})";
    }
}
