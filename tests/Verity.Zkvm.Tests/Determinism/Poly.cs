using System.Numerics;
using System.Text;
using Verity.Algebra;
using Verity.Stark.Air.Expressions;

namespace Verity.Zkvm.Tests.Determinism;

/// <summary>What a polynomial variable stands for: a main column on a row of the window, a public input, or a product.</summary>
internal enum AtomKind : byte { Column, Public, Product }

/// <param name="Row">Window row of a column (0: the row, 1: the next row); 0 otherwise.</param>
internal readonly record struct Atom(AtomKind Kind, int Index, int Row = 0);

/// <summary>A monomial: the sorted ids of its atoms (boolean atoms appear once: x² = x).</summary>
internal readonly struct Mono : IEquatable<Mono>
{
    public static readonly Mono One = new([]);
    public readonly int[] Atoms;
    private readonly int _hash;

    public Mono(int[] atoms)
    {
        Atoms = atoms;
        var h = new HashCode();
        foreach (int a in atoms) h.Add(a);
        _hash = h.ToHashCode();
    }

    public bool Equals(Mono other) => Atoms.AsSpan().SequenceEqual(other.Atoms);
    public override bool Equals(object? obj) => obj is Mono m && Equals(m);
    public override int GetHashCode() => _hash;
}

/// <summary>
/// A polynomial over the atoms of an <see cref="AtomTable"/> with coefficients in the Goldilocks field (kept in
/// [0, p)). Products of boolean atoms stay monomials (x² = x); see <see cref="Normalizer"/> for when a product of
/// two non-boolean factors is replaced by a product atom.
/// </summary>
internal sealed class Poly
{
    public static readonly BigInteger P = Goldilocks.Modulus;

    public Dictionary<Mono, BigInteger> Terms { get; } = [];

    public static Poly Constant(BigInteger c)
    {
        var p = new Poly();
        p.AddTerm(Mono.One, c);
        return p;
    }

    public static Poly OfAtom(int atom)
    {
        var p = new Poly();
        p.AddTerm(new Mono([atom]), 1);
        return p;
    }

    public void AddTerm(Mono m, BigInteger c)
    {
        c = Mod(c);
        if (c.IsZero) return;
        if (Terms.TryGetValue(m, out var old))
        {
            var sum = Mod(old + c);
            if (sum.IsZero) Terms.Remove(m); else Terms[m] = sum;
        }
        else Terms[m] = c;
    }

    public static BigInteger Mod(BigInteger c)
    {
        c %= P;
        return c.Sign < 0 ? c + P : c;
    }

    /// <summary>The coefficient as the integer of least absolute value (−p/2, p/2].</summary>
    public static BigInteger Signed(BigInteger c) => c > P / 2 ? c - P : c;

    public bool IsConstant => Terms.Count == 0 || (Terms.Count == 1 && Terms.ContainsKey(Mono.One));
    public BigInteger ConstantValue => Terms.TryGetValue(Mono.One, out var c) ? c : BigInteger.Zero;
    public bool IsZero => Terms.Count == 0;

    /// <summary>The atom when the polynomial is exactly one atom with coefficient 1.</summary>
    public int? SingleAtom => Terms.Count == 1 && Terms.First() is var (m, c) && m.Atoms.Length == 1 && c.IsOne ? m.Atoms[0] : null;

    public IEnumerable<int> AtomIds => Terms.Keys.SelectMany(m => m.Atoms).Distinct();

    public static Poly operator +(Poly a, Poly b)
    {
        var r = a.Clone();
        foreach (var (m, c) in b.Terms) r.AddTerm(m, c);
        return r;
    }

    public static Poly operator -(Poly a, Poly b)
    {
        var r = a.Clone();
        foreach (var (m, c) in b.Terms) r.AddTerm(m, P - c);
        return r;
    }

    public static Poly operator -(Poly a) => Constant(0) - a;

    public Poly Scale(BigInteger k)
    {
        var r = new Poly();
        foreach (var (m, c) in Terms) r.AddTerm(m, c * k);
        return r;
    }

    public Poly Clone()
    {
        var r = new Poly();
        foreach (var (m, c) in Terms) r.Terms[m] = c;
        return r;
    }

    /// <summary>The full product, with x² = x for the atoms <paramref name="isBoolean"/> accepts.</summary>
    public static Poly Multiply(Poly a, Poly b, Func<int, bool> isBoolean)
    {
        var r = new Poly();
        foreach (var (ma, ca) in a.Terms)
            foreach (var (mb, cb) in b.Terms)
            {
                var atoms = new List<int>(ma.Atoms.Length + mb.Atoms.Length);
                atoms.AddRange(ma.Atoms);
                foreach (int x in mb.Atoms) if (!(isBoolean(x) && atoms.Contains(x))) atoms.Add(x);
                atoms.Sort();
                r.AddTerm(new Mono([.. atoms]), ca * cb);
            }
        return r;
    }

    /// <summary>A canonical text key (terms in a fixed order) for caching and deduplication.</summary>
    public string Key
    {
        get
        {
            var sb = new StringBuilder();
            foreach (var (m, c) in Terms.OrderBy(t => string.Join(",", t.Key.Atoms)))
                sb.Append(c).Append('*').Append(string.Join(".", m.Atoms)).Append('+');
            return sb.ToString();
        }
    }

    public string Describe(AtomTable atoms)
    {
        if (IsZero) return "0";
        var parts = new List<string>();
        foreach (var (m, c) in Terms)
        {
            var s = Signed(c);
            string factors = string.Join("·", m.Atoms.Select(atoms.Name));
            parts.Add(m.Atoms.Length == 0 ? s.ToString() : s.IsOne ? factors : s == BigInteger.MinusOne ? "-" + factors : $"{s}·{factors}");
        }
        return string.Join(" + ", parts);
    }
}

/// <summary>The atoms of one analysis: columns (by window row), public inputs and product atoms.</summary>
internal sealed class AtomTable(IReadOnlyList<string> columnNames)
{
    private readonly List<Atom> _atoms = [];
    private readonly Dictionary<Atom, int> _ids = [];

    public IReadOnlyList<string> ColumnNames { get; } = columnNames;

    /// <summary>The two factors of each product atom (by <see cref="Atom.Index"/>).</summary>
    public List<(Poly Left, Poly Right)> Products { get; } = [];
    private readonly Dictionary<string, int> _productIds = [];

    public int Id(Atom a)
    {
        if (_ids.TryGetValue(a, out int id)) return id;
        _atoms.Add(a);
        _ids[a] = _atoms.Count - 1;
        return _atoms.Count - 1;
    }

    public Atom this[int id] => _atoms[id];
    public int Count => _atoms.Count;

    public int Product(Poly left, Poly right)
    {
        string key = left.Key + "|" + right.Key;
        if (!_productIds.TryGetValue(key, out int k))
        {
            Products.Add((left, right));
            k = Products.Count - 1;
            _productIds[key] = k;
        }
        return Id(new Atom(AtomKind.Product, k));
    }

    public string Name(int id)
    {
        var a = _atoms[id];
        return a.Kind switch
        {
            AtomKind.Column => ColumnNames[a.Index] + (a.Row == 1 ? "'" : ""),
            AtomKind.Public => $"pub{a.Index}",
            _ => $"prod{a.Index}",
        };
    }
}

/// <summary>
/// Turns constraint expressions into polynomials for one row kind: columns the kind fixes become constants, the
/// rest become atoms. A product whose expansion would hold a monomial with two non-boolean factors (say
/// (a − b)·inv) becomes one product atom t standing for left·right mod p; the solver gets lemmas about t instead of
/// the product itself (see <see cref="DeterminismChecker"/>), which keeps every query linear.
/// </summary>
internal sealed class Normalizer(AtomTable atoms, IReadOnlySet<int> booleanColumns, IReadOnlyDictionary<int, long> fixedColumns, bool abstractProducts = true)
{
    public AtomTable Atoms { get; } = atoms;
    public IReadOnlyDictionary<int, long> Fixed { get; } = fixedColumns;

    public bool IsBoolean(int atom) => Atoms[atom] is { Kind: AtomKind.Column } a && booleanColumns.Contains(a.Index);

    /// <param name="row">Window row that the expression's current-row leaves refer to (next-row leaves: row + 1).</param>
    public Poly Normalize(Expr e, int row = 0)
    {
        switch (e.Kind)
        {
            case ExprKind.Constant: return Poly.Constant(e.Constant.Value);
            case ExprKind.Main:
                // A kind fixes columns of the row it describes (row 0), not of the next row.
                int r = row + (e.IsNext ? 1 : 0);
                if (r == 0 && Fixed.TryGetValue(e.Index, out long v)) return Poly.Constant(v);
                return Poly.OfAtom(Atoms.Id(new Atom(AtomKind.Column, e.Index, r)));
            case ExprKind.PublicInput: return Poly.OfAtom(Atoms.Id(new Atom(AtomKind.Public, e.Index)));
            case ExprKind.Add: return Normalize(e.Left!, row) + Normalize(e.Right!, row);
            case ExprKind.Sub: return Normalize(e.Left!, row) - Normalize(e.Right!, row);
            case ExprKind.Neg: return -Normalize(e.Left!, row);
            case ExprKind.Mul:
                {
                    var a = Normalize(e.Left!, row);
                    var b = Normalize(e.Right!, row);
                    if (a.IsConstant) return b.Scale(a.ConstantValue);
                    if (b.IsConstant) return a.Scale(b.ConstantValue);
                    var full = Poly.Multiply(a, b, IsBoolean);
                    bool linearish = full.Terms.Keys.All(m => m.Atoms.Count(x => !IsBoolean(x)) <= 1);
                    return linearish || !abstractProducts ? full : Poly.OfAtom(Atoms.Product(a, b));
                }
            default:
                throw new NotSupportedException($"the determinism checker does not model {e.Kind} leaves");
        }
    }
}
