using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Verity.Algebra;

/// <summary>
/// Goldilocks arithmetic on a register of <see cref="Lanes"/> canonical values. The NTT kernels
/// are generic over this interface; with struct implementations the JIT compiles one copy per
/// width with every call inlined, so the scalar and SIMD kernels share one source.
/// </summary>
internal unsafe interface ILaneOps<TV> where TV : struct
{
    static abstract int Lanes { get; }
    static abstract TV Load(ulong* source);
    static abstract void Store(ulong* destination, TV value);
    static abstract TV Broadcast(ulong value);

    /// <summary>*source in every lane, loaded straight into the register (no ALU work).</summary>
    static abstract TV BroadcastFrom(ulong* source);

    /// <summary>
    /// A register whose lanes have *source &gt;&gt; 32 in their low half, for <see cref="Mul"/>'s
    /// bHigh: a 32-bit broadcast of the upper half (multiplications ignore the lanes' upper halves).
    /// </summary>
    static abstract TV BroadcastHighFrom(ulong* source);

    /// <summary>Each lane shifted right by 32; the second operand of <see cref="Mul"/>.</summary>
    static abstract TV High(TV value);

    static abstract TV Add(TV a, TV b);
    static abstract TV Sub(TV a, TV b);

    /// <summary>a·b, with <paramref name="bHigh"/> = High(b) precomputed (twiddles are reused).</summary>
    static abstract TV Mul(TV a, TV b, TV bHigh);
}

internal readonly unsafe struct ScalarLanes : ILaneOps<ulong>
{
    public static int Lanes => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Load(ulong* source) => *source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ulong* destination, ulong value) => *destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Broadcast(ulong value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong BroadcastFrom(ulong* source) => *source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong BroadcastHighFrom(ulong* source) => 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong High(ulong value) => 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Add(ulong a, ulong b) => Goldilocks.AddRaw(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Sub(ulong a, ulong b) => Goldilocks.SubRaw(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mul(ulong a, ulong b, ulong bHigh) => Goldilocks.MulRaw(a, b);
}

/// <summary>
/// Four lanes with AVX2. There is no 64×64-bit multiply, so products are built from four
/// 32×32→64 multiplies (vpmuludq) and reduced with the same identities as the scalar code.
/// </summary>
internal readonly unsafe struct Vector256Lanes : ILaneOps<Vector256<ulong>>
{
    public static bool IsSupported => Avx2.IsSupported;

    public static int Lanes => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Load(ulong* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ulong* destination, Vector256<ulong> value) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Broadcast(ulong value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> BroadcastFrom(ulong* source) => Vector256.Create(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> BroadcastHighFrom(ulong* source) => Vector256.Create(((uint*)source)[1]).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> High(Vector256<ulong> value) => Vector256.ShiftRightLogical(value, 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Add(Vector256<ulong> a, Vector256<ulong> b)
    {
        Vector256<ulong> p = Vector256.Create(Goldilocks.Modulus);
        Vector256<ulong> nb = p - b;
        Vector256<ulong> t = a - nb;
        return Vector256.ConditionalSelect(Vector256.LessThan(a, nb), t + p, t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Sub(Vector256<ulong> a, Vector256<ulong> b)
    {
        Vector256<ulong> d = a - b;
        return Vector256.ConditionalSelect(Vector256.LessThan(a, b), d - Vector256.Create(0xFFFF_FFFFUL), d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Mul(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> bHigh)
    {
        Vector256<ulong> lo32 = Vector256.Create(0xFFFF_FFFFUL);
        Vector256<ulong> aHigh = Vector256.ShiftRightLogical(a, 32);
        Vector256<ulong> ll = Avx2.Multiply(a.AsUInt32(), b.AsUInt32());
        Vector256<ulong> lh = Avx2.Multiply(a.AsUInt32(), bHigh.AsUInt32());
        Vector256<ulong> hl = Avx2.Multiply(aHigh.AsUInt32(), b.AsUInt32());
        Vector256<ulong> hh = Avx2.Multiply(aHigh.AsUInt32(), bHigh.AsUInt32());
        // Schoolbook carries; each partial sum stays below 2^64.
        Vector256<ulong> t = hl + Vector256.ShiftRightLogical(ll, 32);
        Vector256<ulong> u = lh + (t & lo32);
        Vector256<ulong> hi = hh + Vector256.ShiftRightLogical(t, 32) + Vector256.ShiftRightLogical(u, 32);
        Vector256<ulong> lo = Vector256.ShiftLeft(u, 32) | (ll & lo32);

        // Reduce as in Goldilocks.Reduce128: 2^96 ≡ −1 and 2^64 ≡ ε.
        Vector256<ulong> hiHi = Vector256.ShiftRightLogical(hi, 32);
        Vector256<ulong> t0 = lo - hiHi;
        t0 = Vector256.ConditionalSelect(Vector256.LessThan(lo, hiHi), t0 - lo32, t0);
        Vector256<ulong> t1 = Avx2.Multiply(hi.AsUInt32(), lo32.AsUInt32());
        Vector256<ulong> t2 = t0 + t1;
        t2 = Vector256.ConditionalSelect(Vector256.LessThan(t2, t1), t2 + lo32, t2);
        return Vector256.Min(t2, t2 - Vector256.Create(Goldilocks.Modulus));
    }
}

/// <summary>Eight lanes with AVX-512; as <see cref="Vector256Lanes"/>, plus unsigned min and compares.</summary>
internal readonly unsafe struct Vector512Lanes : ILaneOps<Vector512<ulong>>
{
    public static bool IsSupported => Avx512F.IsSupported;

    public static int Lanes => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Load(ulong* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ulong* destination, Vector512<ulong> value) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Broadcast(ulong value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> BroadcastFrom(ulong* source) => Vector512.Create(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> BroadcastHighFrom(ulong* source) => Vector512.Create(((uint*)source)[1]).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> High(Vector512<ulong> value) => Vector512.ShiftRightLogical(value, 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Add(Vector512<ulong> a, Vector512<ulong> b)
    {
        Vector512<ulong> p = Vector512.Create(Goldilocks.Modulus);
        Vector512<ulong> nb = p - b;
        Vector512<ulong> t = a - nb;
        return Vector512.ConditionalSelect(Vector512.LessThan(a, nb), t + p, t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Sub(Vector512<ulong> a, Vector512<ulong> b)
    {
        Vector512<ulong> d = a - b;
        return Vector512.ConditionalSelect(Vector512.LessThan(a, b), d - Vector512.Create(0xFFFF_FFFFUL), d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Mul(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> bHigh)
    {
        Vector512<ulong> lo32 = Vector512.Create(0xFFFF_FFFFUL);
        Vector512<ulong> aHigh = Vector512.ShiftRightLogical(a, 32);
        Vector512<ulong> ll = Avx512F.Multiply(a.AsUInt32(), b.AsUInt32());
        Vector512<ulong> lh = Avx512F.Multiply(a.AsUInt32(), bHigh.AsUInt32());
        Vector512<ulong> hl = Avx512F.Multiply(aHigh.AsUInt32(), b.AsUInt32());
        Vector512<ulong> hh = Avx512F.Multiply(aHigh.AsUInt32(), bHigh.AsUInt32());
        Vector512<ulong> t = hl + Vector512.ShiftRightLogical(ll, 32);
        Vector512<ulong> u = lh + (t & lo32);
        Vector512<ulong> hi = hh + Vector512.ShiftRightLogical(t, 32) + Vector512.ShiftRightLogical(u, 32);
        Vector512<ulong> lo = Vector512.ShiftLeft(u, 32) | (ll & lo32);

        Vector512<ulong> hiHi = Vector512.ShiftRightLogical(hi, 32);
        Vector512<ulong> t0 = lo - hiHi;
        t0 = Vector512.ConditionalSelect(Vector512.LessThan(lo, hiHi), t0 - lo32, t0);
        Vector512<ulong> t1 = Avx512F.Multiply(hi.AsUInt32(), lo32.AsUInt32());
        Vector512<ulong> t2 = t0 + t1;
        t2 = Vector512.ConditionalSelect(Vector512.LessThan(t2, t1), t2 + lo32, t2);
        // t2 < 2^64 < 2p: one conditional subtraction, as an unsigned min (t2 − p wraps when t2 < p).
        return Vector512.Min(t2, t2 - Vector512.Create(Goldilocks.Modulus));
    }
}
