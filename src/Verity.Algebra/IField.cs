using System.Numerics;

namespace Verity.Algebra;

/// <summary>
/// A finite field element as a value type. Generic code over <typeparamref name="T"/> is
/// specialized by the JIT per struct, so abstraction costs nothing in hot loops.
/// </summary>
public interface IField<T> :
    IAdditionOperators<T, T, T>, ISubtractionOperators<T, T, T>, IMultiplyOperators<T, T, T>,
    IUnaryNegationOperators<T, T>, IEqualityOperators<T, T, bool>, IEquatable<T>
    where T : struct, IField<T>
{
    static abstract T Zero { get; }
    static abstract T One { get; }

    /// <summary>Number of bytes of the canonical encoding.</summary>
    static abstract int EncodedSize { get; }

    T Square();
    T Inverse();
    bool IsZero { get; }

    /// <summary>Writes the canonical little-endian encoding.</summary>
    void WriteTo(Span<byte> destination);
}
