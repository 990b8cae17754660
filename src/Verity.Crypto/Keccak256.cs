using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Verity.Crypto;

/// <summary>
/// Keccak-256 as used by Ethereum: the Keccak[c = 512] sponge over Keccak-f[1600] with the original
/// multi-rate padding (first pad byte 0x01, last 0x80), not SHA3-256's 0x06 domain byte.
/// </summary>
public static class Keccak256
{
    /// <summary>Digest length in bytes.</summary>
    public const int OutputSize = 32;

    /// <summary>Sponge rate in bytes (1600 − 2·256 bits).</summary>
    public const int RateBytes = 136;

    /// <summary>Keccak-256 of <paramref name="data"/>; writes 32 bytes.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> output32)
    {
        KeccakSponge sponge = default;
        sponge.Absorb(data);
        sponge.Finish(output32);
    }

    /// <summary>Keccak-256 of <paramref name="data"/>.</summary>
    public static Digest Hash(ReadOnlySpan<byte> data)
    {
        KeccakSponge sponge = default;
        sponge.Absorb(data);
        return sponge.FinishDigest();
    }

    private static ReadOnlySpan<ulong> RoundConstants =>
    [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
        0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ];

    /// <summary>Keccak-f[1600] on 25 lanes; lane (x, y) is <c>state[x + 5y]</c>.</summary>
    // Hot kernel: compile it optimized at once, since its unoptimized (tier-0) form is many times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Permute(ref ulong state)
    {
        ulong a00 = state, a10 = Unsafe.Add(ref state, 1), a20 = Unsafe.Add(ref state, 2), a30 = Unsafe.Add(ref state, 3), a40 = Unsafe.Add(ref state, 4);
        ulong a01 = Unsafe.Add(ref state, 5), a11 = Unsafe.Add(ref state, 6), a21 = Unsafe.Add(ref state, 7), a31 = Unsafe.Add(ref state, 8), a41 = Unsafe.Add(ref state, 9);
        ulong a02 = Unsafe.Add(ref state, 10), a12 = Unsafe.Add(ref state, 11), a22 = Unsafe.Add(ref state, 12), a32 = Unsafe.Add(ref state, 13), a42 = Unsafe.Add(ref state, 14);
        ulong a03 = Unsafe.Add(ref state, 15), a13 = Unsafe.Add(ref state, 16), a23 = Unsafe.Add(ref state, 17), a33 = Unsafe.Add(ref state, 18), a43 = Unsafe.Add(ref state, 19);
        ulong a04 = Unsafe.Add(ref state, 20), a14 = Unsafe.Add(ref state, 21), a24 = Unsafe.Add(ref state, 22), a34 = Unsafe.Add(ref state, 23), a44 = Unsafe.Add(ref state, 24);

        ReadOnlySpan<ulong> rc = RoundConstants;
        for (int round = 0; round < 24; round++)
        {
            // θ, then ρ and π into b, then χ back into a; ι on lane (0, 0). The ρ/π/χ lines are generated:
            // tools/codegen/blake3_keccak_rounds.py keccak.
            ulong c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;
            ulong c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;
            ulong c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;
            ulong c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;
            ulong c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;
            ulong d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
            ulong d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
            ulong d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
            ulong d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
            ulong d4 = c3 ^ BitOperations.RotateLeft(c0, 1);
            ulong b00 = (a00 ^ d0);
            ulong b10 = BitOperations.RotateLeft(a11 ^ d1, 44);
            ulong b20 = BitOperations.RotateLeft(a22 ^ d2, 43);
            ulong b30 = BitOperations.RotateLeft(a33 ^ d3, 21);
            ulong b40 = BitOperations.RotateLeft(a44 ^ d4, 14);
            ulong b01 = BitOperations.RotateLeft(a30 ^ d3, 28);
            ulong b11 = BitOperations.RotateLeft(a41 ^ d4, 20);
            ulong b21 = BitOperations.RotateLeft(a02 ^ d0, 3);
            ulong b31 = BitOperations.RotateLeft(a13 ^ d1, 45);
            ulong b41 = BitOperations.RotateLeft(a24 ^ d2, 61);
            ulong b02 = BitOperations.RotateLeft(a10 ^ d1, 1);
            ulong b12 = BitOperations.RotateLeft(a21 ^ d2, 6);
            ulong b22 = BitOperations.RotateLeft(a32 ^ d3, 25);
            ulong b32 = BitOperations.RotateLeft(a43 ^ d4, 8);
            ulong b42 = BitOperations.RotateLeft(a04 ^ d0, 18);
            ulong b03 = BitOperations.RotateLeft(a40 ^ d4, 27);
            ulong b13 = BitOperations.RotateLeft(a01 ^ d0, 36);
            ulong b23 = BitOperations.RotateLeft(a12 ^ d1, 10);
            ulong b33 = BitOperations.RotateLeft(a23 ^ d2, 15);
            ulong b43 = BitOperations.RotateLeft(a34 ^ d3, 56);
            ulong b04 = BitOperations.RotateLeft(a20 ^ d2, 62);
            ulong b14 = BitOperations.RotateLeft(a31 ^ d3, 55);
            ulong b24 = BitOperations.RotateLeft(a42 ^ d4, 39);
            ulong b34 = BitOperations.RotateLeft(a03 ^ d0, 41);
            ulong b44 = BitOperations.RotateLeft(a14 ^ d1, 2);
            a00 = b00 ^ (~b10 & b20);
            a10 = b10 ^ (~b20 & b30);
            a20 = b20 ^ (~b30 & b40);
            a30 = b30 ^ (~b40 & b00);
            a40 = b40 ^ (~b00 & b10);
            a01 = b01 ^ (~b11 & b21);
            a11 = b11 ^ (~b21 & b31);
            a21 = b21 ^ (~b31 & b41);
            a31 = b31 ^ (~b41 & b01);
            a41 = b41 ^ (~b01 & b11);
            a02 = b02 ^ (~b12 & b22);
            a12 = b12 ^ (~b22 & b32);
            a22 = b22 ^ (~b32 & b42);
            a32 = b32 ^ (~b42 & b02);
            a42 = b42 ^ (~b02 & b12);
            a03 = b03 ^ (~b13 & b23);
            a13 = b13 ^ (~b23 & b33);
            a23 = b23 ^ (~b33 & b43);
            a33 = b33 ^ (~b43 & b03);
            a43 = b43 ^ (~b03 & b13);
            a04 = b04 ^ (~b14 & b24);
            a14 = b14 ^ (~b24 & b34);
            a24 = b24 ^ (~b34 & b44);
            a34 = b34 ^ (~b44 & b04);
            a44 = b44 ^ (~b04 & b14);
            a00 ^= rc[round];
        }

        state = a00; Unsafe.Add(ref state, 1) = a10; Unsafe.Add(ref state, 2) = a20; Unsafe.Add(ref state, 3) = a30; Unsafe.Add(ref state, 4) = a40;
        Unsafe.Add(ref state, 5) = a01; Unsafe.Add(ref state, 6) = a11; Unsafe.Add(ref state, 7) = a21; Unsafe.Add(ref state, 8) = a31; Unsafe.Add(ref state, 9) = a41;
        Unsafe.Add(ref state, 10) = a02; Unsafe.Add(ref state, 11) = a12; Unsafe.Add(ref state, 12) = a22; Unsafe.Add(ref state, 13) = a32; Unsafe.Add(ref state, 14) = a42;
        Unsafe.Add(ref state, 15) = a03; Unsafe.Add(ref state, 16) = a13; Unsafe.Add(ref state, 17) = a23; Unsafe.Add(ref state, 18) = a33; Unsafe.Add(ref state, 19) = a43;
        Unsafe.Add(ref state, 20) = a04; Unsafe.Add(ref state, 21) = a14; Unsafe.Add(ref state, 22) = a24; Unsafe.Add(ref state, 23) = a34; Unsafe.Add(ref state, 24) = a44;
    }
}

[InlineArray(25)]
internal struct KeccakLanes
{
    private ulong _a0;
}

/// <summary>Incremental Keccak-256 sponge; lets suites hash a prefix byte and the data without copying.</summary>
internal struct KeccakSponge
{
    private KeccakLanes _state;
    private int _offset; // bytes absorbed into the current block

    public void Absorb(ReadOnlySpan<byte> data)
    {
        ref ulong s = ref _state[0];
        while (!data.IsEmpty)
        {
            if (_offset == 0)
            {
                // Whole blocks go straight from the input.
                while (data.Length >= Keccak256.RateBytes)
                {
                    for (int i = 0; i < Keccak256.RateBytes / 8; i++)
                        Unsafe.Add(ref s, i) ^= BinaryPrimitives.ReadUInt64LittleEndian(data[(8 * i)..]);
                    Keccak256.Permute(ref s);
                    data = data[Keccak256.RateBytes..];
                }
                if (data.IsEmpty)
                    return;
            }
            int take = Math.Min(Keccak256.RateBytes - _offset, data.Length);
            XorBytes(take, data);
            _offset += take;
            data = data[take..];
            if (_offset == Keccak256.RateBytes)
            {
                Keccak256.Permute(ref s);
                _offset = 0;
            }
        }
    }

    /// <summary>XORs the first <paramref name="count"/> bytes of <paramref name="data"/> into the sponge at the current offset.</summary>
    private void XorBytes(int count, ReadOnlySpan<byte> data)
    {
        Span<byte> bytes = MemoryMarshal.AsBytes((Span<ulong>)_state);
        int i = 0;
        if (BitConverter.IsLittleEndian)
        {
            // Sponge byte order is the lanes' memory order here, so XOR 8 bytes at a time regardless of alignment.
            ref byte dst = ref bytes[_offset];
            ref byte src = ref MemoryMarshal.GetReference(data);
            for (; i + 8 <= count; i += 8)
            {
                ulong x = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref dst, i)) ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, i));
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i), x);
            }
        }
        for (; i < count; i++)
            bytes[ByteIndex(_offset + i)] ^= data[i];
    }

    public void AbsorbByte(byte b)
    {
        MemoryMarshal.AsBytes((Span<ulong>)_state)[ByteIndex(_offset)] ^= b;
        if (++_offset == Keccak256.RateBytes)
        {
            Keccak256.Permute(ref _state[0]);
            _offset = 0;
        }
    }

    /// <summary>Position of sponge byte <paramref name="i"/> in the lane array: lanes are little-endian words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ByteIndex(int i) => BitConverter.IsLittleEndian ? i : (i & ~7) | (7 - (i & 7));

    private void Pad()
    {
        Span<byte> bytes = MemoryMarshal.AsBytes((Span<ulong>)_state);
        bytes[ByteIndex(_offset)] ^= 0x01;
        bytes[ByteIndex(Keccak256.RateBytes - 1)] ^= 0x80;
        Keccak256.Permute(ref _state[0]);
    }

    public void Finish(Span<byte> output32)
    {
        if (output32.Length < Keccak256.OutputSize)
            throw new ArgumentException($"Keccak-256 writes {Keccak256.OutputSize} bytes; the output span has {output32.Length}.", nameof(output32));
        Pad();
        for (int i = 0; i < 4; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(output32[(8 * i)..], _state[i]);
    }

    public Digest FinishDigest()
    {
        Pad();
        // Digest words are the little-endian reading of the output bytes, i.e. the first four lanes.
        return new Digest(_state[0], _state[1], _state[2], _state[3]);
    }
}
