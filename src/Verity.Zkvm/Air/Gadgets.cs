using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Zkvm.Air;

/// <summary>Constraint patterns the chips share (docs/ZKVM.md, "Proving").</summary>
internal static class Gadgets
{
    public const long TwoTo16 = 1L << 16;
    public const long TwoTo32 = 1L << 32;

    public static void Boolean(TableBuilder t, string name, Expr x) => t.EveryRow($"{name} is boolean", x * (x - 1));

    /// <summary>
    /// Forces each column to 0 on rows where <paramref name="used"/> (a 0/1 expression) is 0. Every chip keeps its
    /// witness deterministic this way: no cell is free, so any single-cell change to an honest trace is rejected.
    /// </summary>
    public static void ZeroUnless(TableBuilder t, string what, Expr used, params int[] columns)
    {
        foreach (int c in columns) t.EveryRow($"{what}: column {c} is 0 when unused", (1 - used) * t.Main(c));
    }

    /// <summary>Checks value ∈ [0, 2^16) with one lookup into the 16-bit table.</summary>
    public static void Range16(TableBuilder t, Expr multiplicity, Expr value) => t.Send(Buses.Range16, multiplicity, value);

    /// <summary>The 32-bit word lo + 2^16·hi, both limbs range-checked: the expression is then a canonical u32.</summary>
    public static Expr Word(TableBuilder t, Expr multiplicity, Expr lo, Expr hi)
    {
        Range16(t, multiplicity, lo);
        Range16(t, multiplicity, hi);
        return lo + TwoTo16 * hi;
    }

    /// <summary>
    /// One access of offline memory checking at <paramref name="time"/>: removes (address, before, ro, tPrev) and adds
    /// (address, after, ro, time), where tPrev = time − 1 − (lo + 2^16·hi) with both limbs range-checked, so the
    /// version read was written strictly earlier. A read passes the same expression as before and after.
    /// </summary>
    public static void MemoryAccess(TableBuilder t, Expr multiplicity, Expr address, Expr before, Expr after, Expr ro, Expr time, Expr deltaLo, Expr deltaHi)
    {
        var previousTime = time - 1 - deltaLo - TwoTo16 * deltaHi;
        t.Receive(Buses.Memory, multiplicity, address, before, ro, previousTime);
        t.Send(Buses.Memory, multiplicity, address, after, ro, time);
        Range16(t, multiplicity, deltaLo);
        Range16(t, multiplicity, deltaHi);
    }

    /// <summary>Memory address of register x<paramref name="index"/> (registers live in page 0, docs/ZKVM.md).</summary>
    public static Expr RegisterAddress(Expr index) => 4 * index;

    /// <summary>Time of an access in slot <paramref name="slot"/> of the cycle with clock <paramref name="clk"/>.</summary>
    public static Expr Time(Expr clk, int slot) => 4 * clk + slot;
}
