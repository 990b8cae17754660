using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Verity.Crypto;

/// <summary>A 32-byte hash output, held as four little-endian words so it is cheap to copy and compare.</summary>
public readonly struct Digest : IEquatable<Digest>
{
    public const int Size = 32;
    public readonly ulong W0, W1, W2, W3;

    public Digest(ulong w0, ulong w1, ulong w2, ulong w3) { W0 = w0; W1 = w1; W2 = w2; W3 = w3; }

    public static Digest Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(source),
        BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
        BinaryPrimitives.ReadUInt64LittleEndian(source[24..]));

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, W0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], W1);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], W2);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], W3);
    }

    public byte[] ToArray() { var b = new byte[Size]; WriteTo(b); return b; }

    public string ToHex() => Convert.ToHexStringLower(ToArray());

    /// <summary>Number of leading zero bits when the digest is read as a big-endian bit string of its bytes in order.</summary>
    public int LeadingZeroBits()
    {
        Span<byte> b = stackalloc byte[Size];
        WriteTo(b);
        int bits = 0;
        foreach (byte x in b)
        {
            if (x == 0) { bits += 8; continue; }
            return bits + System.Numerics.BitOperations.LeadingZeroCount((uint)x) - 24;
        }
        return bits;
    }

    public bool Equals(Digest o) => W0 == o.W0 && W1 == o.W1 && W2 == o.W2 && W3 == o.W3;
    public override bool Equals(object? obj) => obj is Digest d && Equals(d);
    public override int GetHashCode() => HashCode.Combine(W0, W1, W2, W3);
    public static bool operator ==(Digest a, Digest b) => a.Equals(b);
    public static bool operator !=(Digest a, Digest b) => !a.Equals(b);
    public override string ToString() => ToHex();
}
