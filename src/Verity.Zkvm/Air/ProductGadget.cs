using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Air;

/// <summary>
/// The 32×32-bit product the multiply and divide chips share, in 16-bit limbs x = x0 + 2^16·x1, y = y0 + 2^16·y1:
/// x·y = L + 2^32·x1·y1 with L = x0·y0 + 2^16·(x0·y1 + x1·y0) &lt; 2^49. A chip states L + rest = 2^32·k for a
/// small <c>rest</c> (minus the low word of the product, or r − a for a division) and range-checks the carry
/// k = k_lo + 2^16·k_hi with k_lo 16-bit and k_hi a bit (k &lt; 2^17, since L &lt; 2^49 and |rest| &lt; 2^33), so the
/// equation holds over the integers, not just modulo p. The chip then uses x1·y1 + k as the product's high part.
/// Without the bound a 64-bit product could wrap modulo p = 2^64 − 2^32 + 1 and fake a small result.
/// </summary>
internal readonly record struct ProductColumns(int CarryLo, int CarryHi)
{
    public static ProductColumns Add(ColumnLayout layout, string name) => new(layout.Add($"{name}.k_lo"), layout.Add($"{name}.k_hi"));

    /// <summary>x0·y0 + 2^16·(x0·y1 + x1·y0), the low part of the limb product (degree 2).</summary>
    public static Expr Low(Expr x0, Expr x1, Expr y0, Expr y1) => x0 * y0 + Gadgets.TwoTo16 * (x0 * y1 + x1 * y0);

    /// <summary>Constrains Low(x, y) + rest = 2^32·k on every row (0 = 0 on padding rows) and returns k.</summary>
    /// <param name="real">1 on real rows: the carry is range-checked there and forced to 0 elsewhere.</param>
    public Expr Define(TableBuilder t, Expr real, Expr x0, Expr x1, Expr y0, Expr y1, Expr rest)
    {
        Expr kLo = t.Main(CarryLo), kHi = t.Main(CarryHi);
        Expr k = kLo + Gadgets.TwoTo16 * kHi;
        Gadgets.Boolean(t, "carry bit 16", kHi);
        Gadgets.Range16(t, real, kLo);
        t.EveryRow("product: low part + rest = 2^32·carry", Low(x0, x1, y0, y1) + rest - Gadgets.TwoTo32 * k);
        Gadgets.ZeroUnless(t, "padding row", real, CarryLo, CarryHi);
        return k;
    }

    /// <summary>Fills k = (Low(x, y) + rest) / 2^32 (exact) and returns it.</summary>
    public long Fill(TraceColumns tr, int row, uint x, uint y, long rest, LookupCounts counts)
    {
        ulong x0 = x & 0xFFFF, x1 = x >> 16, y0 = y & 0xFFFF, y1 = y >> 16;
        long low = (long)(x0 * y0 + ((x0 * y1 + x1 * y0) << 16)) + rest;
        if (low < 0 || (low & 0xFFFFFFFFL) != 0 || low >> 32 >= 1L << 17)
            throw new InvalidOperationException($"product witness: low part {low} of {x}·{y} is not 2^32·k with 0 ≤ k < 2^17");
        long k = low >> 32;
        tr.Set(CarryLo, row, (ulong)(k & 0xFFFF));
        tr.Set(CarryHi, row, (ulong)(k >> 16));
        counts.Range((ulong)(k & 0xFFFF));
        return k;
    }

    /// <summary>
    /// The sign bit s of a u32 with top limb <paramref name="hi"/>: s boolean and hi − 2^15·s ∈ [0, 2^15), checked as
    /// Range16(2·hi − 2^16·s), so s = hi ≥ 2^15 (given hi ∈ [0, 2^16)). The signed value is then x − 2^32·s.
    /// </summary>
    public static void SignBit(TableBuilder t, string name, Expr multiplicity, Expr hi, Expr sign)
    {
        Gadgets.Boolean(t, name, sign);
        Gadgets.Range16(t, multiplicity, 2 * hi - Gadgets.TwoTo16 * sign);
    }

    /// <summary>Fills a sign bit used by a signed op and counts its lookup; returns 1 for a negative value.</summary>
    public static uint FillSignBit(TraceColumns tr, int row, int column, uint value, LookupCounts counts)
    {
        uint hi = value >> 16, s = value >> 31;
        tr.Set(column, row, s);
        counts.Range(2 * hi - (s << 16));
        return s;
    }
}
