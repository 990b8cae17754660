using System.Runtime.CompilerServices;

namespace Verity.Algebra;

/// <summary>
/// The cubic extension Goldilocks[x]/(x³ − x − 1), 192 bits: enough for ~100 bits of
/// provable STARK security (reference/zk.md §3.2). x³ − x − 1 is irreducible over Goldilocks
/// (checked by a test: gcd(x^p − x, x³ − x − 1) = 1).
/// Element = C0 + C1·x + C2·x².
/// </summary>
[SkipLocalsInit]
public readonly struct Goldilocks3 : IField<Goldilocks3>
{
    public readonly Goldilocks C0, C1, C2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Goldilocks3(Goldilocks c0, Goldilocks c1, Goldilocks c2) { C0 = c0; C1 = c1; C2 = c2; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Goldilocks3(Goldilocks c0) { C0 = c0; C1 = default; C2 = default; }

    public static Goldilocks3 Zero => default;
    public static Goldilocks3 One => new(Goldilocks.One);
    public static int EncodedSize => 24;
    public bool IsZero => C0.IsZero && C1.IsZero && C2.IsZero;
    public bool IsBase => C1.IsZero && C2.IsZero;

    public static implicit operator Goldilocks3(Goldilocks b) => new(b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks3 operator +(Goldilocks3 a, Goldilocks3 b) => new(a.C0 + b.C0, a.C1 + b.C1, a.C2 + b.C2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks3 operator -(Goldilocks3 a, Goldilocks3 b) => new(a.C0 - b.C0, a.C1 - b.C1, a.C2 - b.C2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks3 operator -(Goldilocks3 a) => new(-a.C0, -a.C1, -a.C2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks3 operator *(Goldilocks3 a, Goldilocks b) => new(a.C0 * b, a.C1 * b, a.C2 * b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks3 operator *(Goldilocks b, Goldilocks3 a) => new(a.C0 * b, a.C1 * b, a.C2 * b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Goldilocks3 operator *(Goldilocks3 a, Goldilocks3 b)
    {
        // Karatsuba-style: 6 base multiplications.
        Goldilocks a0b0 = a.C0 * b.C0, a1b1 = a.C1 * b.C1, a2b2 = a.C2 * b.C2;
        Goldilocks c1 = (a.C0 + a.C1) * (b.C0 + b.C1) - a0b0 - a1b1; // a0b1 + a1b0
        Goldilocks c2 = (a.C0 + a.C2) * (b.C0 + b.C2) - a0b0 - a2b2 + a1b1; // a0b2 + a1b1 + a2b0
        Goldilocks c3 = (a.C1 + a.C2) * (b.C1 + b.C2) - a1b1 - a2b2; // a1b2 + a2b1
        // x³ = x + 1, x⁴ = x² + x
        return new(a0b0 + c3, c1 + c3 + a2b2, c2 + a2b2);
    }

    public static bool operator ==(Goldilocks3 a, Goldilocks3 b) => a.C0 == b.C0 && a.C1 == b.C1 && a.C2 == b.C2;
    public static bool operator !=(Goldilocks3 a, Goldilocks3 b) => !(a == b);

    public Goldilocks3 Square() => this * this;

    public Goldilocks3 Pow(ulong exponent)
    {
        Goldilocks3 result = One, b = this;
        while (exponent != 0)
        {
            if ((exponent & 1) != 0) result *= b;
            b = b.Square();
            exponent >>= 1;
        }
        return result;
    }

    // Frobenius: (x)^p and (x²)^p, precomputed so that σ(a) = C0 + C1·X1 + C2·X2.
    private static readonly Goldilocks3 FrobX1 = new Goldilocks3(Goldilocks.Zero, Goldilocks.One, Goldilocks.Zero).Pow(Goldilocks.Modulus);
    private static readonly Goldilocks3 FrobX2 = FrobX1 * FrobX1;

    /// <summary>The Frobenius map a ↦ a^p.</summary>
    public Goldilocks3 Frobenius() => new Goldilocks3(C0) + FrobX1 * C1 + FrobX2 * C2;

    /// <summary>Inverse via the norm: a⁻¹ = σ(a)·σ²(a) / N(a), N(a) = a·σ(a)·σ²(a) ∈ Fp.</summary>
    public Goldilocks3 Inverse()
    {
        if (IsZero) throw new DivideByZeroException("Inverse of zero in the cubic extension.");
        var s1 = Frobenius();
        var s2 = s1.Frobenius();
        var s12 = s1 * s2;
        var norm = this * s12; // lies in the base field
        return s12 * norm.C0.Inverse();
    }

    public void WriteTo(Span<byte> destination)
    {
        C0.WriteTo(destination);
        C1.WriteTo(destination[8..]);
        C2.WriteTo(destination[16..]);
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out Goldilocks3 value)
    {
        bool ok = Goldilocks.TryRead(source, out var a) & Goldilocks.TryRead(source[8..], out var b) & Goldilocks.TryRead(source[16..], out var c);
        value = new(a, b, c);
        return ok;
    }

    public bool Equals(Goldilocks3 other) => this == other;
    public override bool Equals(object? obj) => obj is Goldilocks3 o && this == o;
    public override int GetHashCode() => HashCode.Combine(C0, C1, C2);
    public override string ToString() => $"({C0}, {C1}, {C2})";
}
