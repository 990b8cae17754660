using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Verity.Algebra;

/// <summary>
/// An element of the Goldilocks field, p = 2^64 − 2^32 + 1, held in canonical form (value &lt; p).
/// Reduction uses 2^64 ≡ 2^32 − 1 and 2^96 ≡ −1 (mod p); never the % operator.
/// </summary>
[SkipLocalsInit]
public readonly struct Goldilocks : IField<Goldilocks>, IComparable<Goldilocks>
{
    public const ulong Modulus = 0xFFFF_FFFF_0000_0001UL;

    /// <summary>2^64 mod p = 2^32 − 1.</summary>
    private const ulong Epsilon = 0xFFFF_FFFFUL;

    /// <summary>Largest k such that 2^k divides p − 1.</summary>
    public const int TwoAdicity = 32;

    /// <summary>A generator of the multiplicative group (7, as used by Plonky2 and Winterfell).</summary>
    public static readonly Goldilocks Generator = new(7);

    public readonly ulong Value;

    /// <summary>Creates an element from a value that must already be canonical (&lt; p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Goldilocks(ulong canonicalValue) => Value = canonicalValue;

    /// <summary>Reduces any 64-bit value into the field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks FromUInt64(ulong v) => new(v >= Modulus ? v - Modulus : v);

    public static Goldilocks FromInt64(long v) => v >= 0 ? FromUInt64((ulong)v) : -FromUInt64((ulong)(-(v + 1)) + 1);

    public static Goldilocks Zero => default;
    public static Goldilocks One => new(1);
    public static int EncodedSize => 8;
    public bool IsZero => Value == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks operator +(Goldilocks a, Goldilocks b) => new(AddRaw(a.Value, b.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks operator -(Goldilocks a, Goldilocks b) => new(SubRaw(a.Value, b.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks operator -(Goldilocks a) => new(a.Value == 0 ? 0 : Modulus - a.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks operator *(Goldilocks a, Goldilocks b) => new(MulRaw(a.Value, b.Value));

    public static bool operator ==(Goldilocks a, Goldilocks b) => a.Value == b.Value;
    public static bool operator !=(Goldilocks a, Goldilocks b) => a.Value != b.Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AddRaw(ulong a, ulong b)
    {
        // a + b = a − (p − b); a borrow there means a + b < p, so add p back. The carry is a
        // coin flip on random data, so it is turned into a mask rather than a branch (the JIT
        // does not if-convert inside loops).
        ulong nb = Modulus - b;
        ulong t = a - nb;
        return t + (Mask(a < nb) & Modulus);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SubRaw(ulong a, ulong b)
    {
        // On borrow the wrapped value is a − b + 2^64; adding p − 2^64 = −ε gives a − b + p.
        ulong d = a - b;
        return d - (Mask(a < b) & Epsilon);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MulRaw(ulong a, ulong b)
    {
        ulong hi = Math.BigMul(a, b, out ulong lo);
        return Reduce128(lo, hi);
    }

    /// <summary>All ones when <paramref name="condition"/> holds, else zero; compiles to setcc, never a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mask(bool condition) => 0UL - Unsafe.BitCast<bool, byte>(condition);

    /// <summary>Reduces hi·2^64 + lo to a canonical value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Reduce128(ulong lo, ulong hi)
    {
        ulong hiHi = hi >> 32;
        // hiHi·2^96 ≡ −hiHi. A borrow needs lo < 2^32: rare on real data, so a branch is cheaper.
        ulong t0 = lo - hiHi;
        if (lo < hiHi) t0 -= Epsilon;
        // (hi mod 2^32)·2^64 ≡ (hi mod 2^32)·ε, which is < 2^64.
        ulong t1 = (hi << 32) - (uint)hi;
        ulong t2 = t0 + t1;
        // A carry here is frequent and unpredictable: fold it in as a mask. t2 + ε cannot carry again.
        t2 += Mask(t2 < t1) & Epsilon;
        if (t2 >= Modulus) t2 -= Modulus;
        return t2;
    }

    public Goldilocks Square() => this * this;

    public Goldilocks Double() => this + this;

    public Goldilocks Pow(ulong exponent)
    {
        Goldilocks result = One, b = this;
        while (exponent != 0)
        {
            if ((exponent & 1) != 0) result *= b;
            b = b.Square();
            exponent >>= 1;
        }
        return result;
    }

    /// <summary>Multiplicative inverse by Fermat (a^(p−2)). Throws for zero.</summary>
    public Goldilocks Inverse()
    {
        if (Value == 0) throw new DivideByZeroException("Inverse of zero in the Goldilocks field.");
        return Pow(Modulus - 2);
    }

    /// <summary>A primitive 2^logN-th root of unity.</summary>
    public static Goldilocks RootOfUnity(int logN)
    {
        if ((uint)logN > TwoAdicity) throw new ArgumentOutOfRangeException(nameof(logN), $"Goldilocks has 2-adicity {TwoAdicity}; no root of order 2^{logN}.");
        return Generator.Pow((Modulus - 1) >> logN);
    }

    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt64LittleEndian(destination, Value);

    /// <summary>Decodes a canonical little-endian encoding; rejects values ≥ p.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out Goldilocks value)
    {
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(source);
        value = new(v < Modulus ? v : 0);
        return v < Modulus;
    }

    public static Goldilocks Read(ReadOnlySpan<byte> source)
    {
        if (!TryRead(source, out var v)) throw new FormatException($"Non-canonical Goldilocks encoding 0x{BinaryPrimitives.ReadUInt64LittleEndian(source):x16} (must be < p).");
        return v;
    }

    public bool Equals(Goldilocks other) => Value == other.Value;
    public override bool Equals(object? obj) => obj is Goldilocks g && g.Value == Value;
    public override int GetHashCode() => Value.GetHashCode();
    public int CompareTo(Goldilocks other) => Value.CompareTo(other.Value);
    public override string ToString() => Value.ToString();

    public static implicit operator Goldilocks(uint v) => new(v);
}
