using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Verity.Crypto;

/// <summary>
/// BLAKE3, implemented from the specification (BLAKE3-team/BLAKE3-specs): plain hash, keyed hash and key
/// derivation, all with extendable output (any output length; the first 32 bytes are the default digest).
/// </summary>
public static class Blake3
{
    /// <summary>Default output length in bytes.</summary>
    public const int OutputSize = 32;

    /// <summary>Key length for <see cref="KeyedHash"/>.</summary>
    public const int KeySize = 32;

    internal const int BlockLen = 64;
    internal const int ChunkLen = 1024;

    // Domain flags (spec §2.1).
    internal const uint ChunkStart = 1 << 0;
    internal const uint ChunkEnd = 1 << 1;
    internal const uint Parent = 1 << 2;
    internal const uint Root = 1 << 3;
    internal const uint KeyedHashFlag = 1 << 4;
    internal const uint DeriveKeyContext = 1 << 5;
    internal const uint DeriveKeyMaterial = 1 << 6;

    // IV: the SHA-256 initial hash words.
    internal const uint IV0 = 0x6A09E667, IV1 = 0xBB67AE85, IV2 = 0x3C6EF372, IV3 = 0xA54FF53A;
    internal const uint IV4 = 0x510E527F, IV5 = 0x9B05688C, IV6 = 0x1F83D9AB, IV7 = 0x5BE0CD19;

    /// <summary>BLAKE3 hash of <paramref name="input"/>, writing <c>output.Length</c> bytes of extendable output.</summary>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> output)
    {
        Words8 key = Words8.IV;
        HashCore(in key, 0, input, output);
    }

    /// <summary>32-byte BLAKE3 hash of <paramref name="input"/>.</summary>
    public static Digest Hash(ReadOnlySpan<byte> input)
    {
        Words8 key = Words8.IV;
        return HashToDigest(in key, 0, input);
    }

    /// <summary>BLAKE3 keyed hash (MAC / PRF mode) with a 32-byte key.</summary>
    public static void KeyedHash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        Words8 k = Words8.FromKey(key);
        HashCore(in k, KeyedHashFlag, input, output);
    }

    /// <summary>
    /// BLAKE3 key derivation: the context string (hard-coded, globally unique, application-specific) is hashed
    /// first, and its 32-byte result keys the hash of <paramref name="keyMaterial"/>.
    /// </summary>
    public static void DeriveKey(string context, ReadOnlySpan<byte> keyMaterial, Span<byte> output)
    {
        Words8 contextKey = DeriveContextKey(context);
        HashCore(in contextKey, DeriveKeyMaterial, keyMaterial, output);
    }

    internal static Words8 DeriveContextKey(string context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int max = Encoding.UTF8.GetMaxByteCount(context.Length);
        Span<byte> utf8 = max <= 256 ? stackalloc byte[256] : new byte[max];
        int n = Encoding.UTF8.GetBytes(context, utf8);
        Words8 iv = Words8.IV;
        Span<byte> keyBytes = stackalloc byte[KeySize];
        HashCore(in iv, DeriveKeyContext, utf8[..n], keyBytes);
        return Words8.FromKey(keyBytes);
    }

    /// <summary>Full BLAKE3 of one input under the given key words and mode flags.</summary>
    internal static void HashCore(in Words8 key, uint flags, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.Length <= ChunkLen)
        {
            // Single chunk: the common case (transcript messages, Merkle leaves), no tree state needed.
            Words8 cv = key;
            Bytes64 last = default;
            uint lastFlags = CompressChunkPrefix(ref cv, flags, input, ref last, out uint lastLen);
            RootOutput(ref cv[0], ref last[0], lastLen, lastFlags, output);
            return;
        }

        HasherCore core = default;
        core.Init(in key, flags);
        core.Update(input);
        core.Finalize(output);
    }

    internal static Digest HashToDigest(in Words8 key, uint flags, ReadOnlySpan<byte> input)
    {
        Words8 result;
        if (input.Length <= ChunkLen)
        {
            result = key;
            Bytes64 last = default;
            uint lastFlags = CompressChunkPrefix(ref result, flags, input, ref last, out uint lastLen);
            // The first 8 words of the root output are the chaining value of the root compression.
            Compress(ref result[0], ref last[0], 0, lastLen, lastFlags | Root, ref result[0], extended: false);
        }
        else
        {
            Span<byte> bytes = stackalloc byte[OutputSize];
            HashCore(in key, flags, input, bytes);
            return Digest.Read(bytes);
        }
        return result.ToDigest();
    }

    /// <summary>
    /// Compresses all blocks of a single chunk (counter 0) except the last into <paramref name="cv"/>; copies the
    /// last (possibly partial or empty) block into <paramref name="last"/>, zero-padded, and returns its flags.
    /// </summary>
    private static uint CompressChunkPrefix(ref Words8 cv, uint flags, ReadOnlySpan<byte> input, ref Bytes64 last, out uint lastLen)
    {
        int blocks = input.Length == 0 ? 1 : (input.Length + BlockLen - 1) / BlockLen;
        ref byte p = ref MemoryMarshal.GetReference(input);
        uint start = ChunkStart;
        for (int b = 0; b < blocks - 1; b++)
        {
            Compress(ref cv[0], ref Unsafe.Add(ref p, b * BlockLen), 0, BlockLen, flags | start, ref cv[0], extended: false);
            start = 0;
        }
        int offset = (blocks - 1) * BlockLen;
        input[offset..].CopyTo(last);
        lastLen = (uint)(input.Length - offset);
        return flags | start | ChunkEnd;
    }

    /// <summary>Writes the root output (extendable: output block i uses counter i) of the given compression input.</summary>
    internal static void RootOutput(ref uint inputCv, ref byte block, uint blockLen, uint flags, Span<byte> output)
    {
        if (output.Length == OutputSize)
        {
            // The default digest is the root compression's chaining value.
            Words8 cv = default;
            Compress(ref inputCv, ref block, 0, blockLen, flags | Root, ref cv[0], extended: false);
            cv.WriteTo(output);
            return;
        }
        Span<uint> words = stackalloc uint[16];
        Span<byte> tail = stackalloc byte[4];
        ulong counter = 0;
        while (!output.IsEmpty)
        {
            int n = Math.Min(output.Length, 2 * OutputSize);
            Compress(ref inputCv, ref block, counter++, blockLen, flags | Root, ref words[0], extended: n > OutputSize);
            for (int i = 0; i < n / 4; i++)
                BinaryPrimitives.WriteUInt32LittleEndian(output[(4 * i)..], words[i]);
            if ((n & 3) != 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(tail, words[n / 4]);
                tail[..(n & 3)].CopyTo(output[(n & ~3)..]);
            }
            output = output[n..];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint LoadWord(ref byte block, int index)
    {
        uint w = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref block, index * 4));
        return BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w);
    }

    /// <summary>
    /// The BLAKE3 compression function. Reads the 8-word chaining value and the 64-byte block (little-endian
    /// words), and writes 8 words (the new chaining value) or, when <paramref name="extended"/>, all 16 output
    /// words. <paramref name="output"/> may alias <paramref name="cv"/>: both are read before anything is written.
    /// </summary>
    // Big straight-line kernel: compile it optimized at once, since its unoptimized (tier-0) form is many times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Compress(ref uint cv, ref byte block, ulong counter, uint blockLen, uint flags, ref uint output, bool extended)
    {
        uint m0 = LoadWord(ref block, 0), m1 = LoadWord(ref block, 1), m2 = LoadWord(ref block, 2), m3 = LoadWord(ref block, 3);
        uint m4 = LoadWord(ref block, 4), m5 = LoadWord(ref block, 5), m6 = LoadWord(ref block, 6), m7 = LoadWord(ref block, 7);
        uint m8 = LoadWord(ref block, 8), m9 = LoadWord(ref block, 9), m10 = LoadWord(ref block, 10), m11 = LoadWord(ref block, 11);
        uint m12 = LoadWord(ref block, 12), m13 = LoadWord(ref block, 13), m14 = LoadWord(ref block, 14), m15 = LoadWord(ref block, 15);

        uint h0 = cv, h1 = Unsafe.Add(ref cv, 1), h2 = Unsafe.Add(ref cv, 2), h3 = Unsafe.Add(ref cv, 3);
        uint h4 = Unsafe.Add(ref cv, 4), h5 = Unsafe.Add(ref cv, 5), h6 = Unsafe.Add(ref cv, 6), h7 = Unsafe.Add(ref cv, 7);

        uint v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7;
        uint v8 = IV0, v9 = IV1, v10 = IV2, v11 = IV3;
        uint v12 = (uint)counter, v13 = (uint)(counter >> 32), v14 = blockLen, v15 = flags;

        // Seven rounds; the message permutation between rounds is applied by naming the words in permuted order.
        // The round bodies below are generated: tools/codegen/blake3_keccak_rounds.py.
        // Round 1
        v0 += v4 + m0; v12 = BitOperations.RotateRight(v12 ^ v0, 16);
        v1 += v5 + m2; v13 = BitOperations.RotateRight(v13 ^ v1, 16);
        v2 += v6 + m4; v14 = BitOperations.RotateRight(v14 ^ v2, 16);
        v3 += v7 + m6; v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 12);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 12);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 12);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 += v4 + m1; v12 = BitOperations.RotateRight(v12 ^ v0, 8);
        v1 += v5 + m3; v13 = BitOperations.RotateRight(v13 ^ v1, 8);
        v2 += v6 + m5; v14 = BitOperations.RotateRight(v14 ^ v2, 8);
        v3 += v7 + m7; v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 7);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 7);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 7);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 += v5 + m8; v15 = BitOperations.RotateRight(v15 ^ v0, 16);
        v1 += v6 + m10; v12 = BitOperations.RotateRight(v12 ^ v1, 16);
        v2 += v7 + m12; v13 = BitOperations.RotateRight(v13 ^ v2, 16);
        v3 += v4 + m14; v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 12);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 12);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 12);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 += v5 + m9; v15 = BitOperations.RotateRight(v15 ^ v0, 8);
        v1 += v6 + m11; v12 = BitOperations.RotateRight(v12 ^ v1, 8);
        v2 += v7 + m13; v13 = BitOperations.RotateRight(v13 ^ v2, 8);
        v3 += v4 + m15; v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 7);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 7);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 7);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 2
        v0 += v4 + m2; v12 = BitOperations.RotateRight(v12 ^ v0, 16);
        v1 += v5 + m3; v13 = BitOperations.RotateRight(v13 ^ v1, 16);
        v2 += v6 + m7; v14 = BitOperations.RotateRight(v14 ^ v2, 16);
        v3 += v7 + m4; v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 12);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 12);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 12);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 += v4 + m6; v12 = BitOperations.RotateRight(v12 ^ v0, 8);
        v1 += v5 + m10; v13 = BitOperations.RotateRight(v13 ^ v1, 8);
        v2 += v6 + m0; v14 = BitOperations.RotateRight(v14 ^ v2, 8);
        v3 += v7 + m13; v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 7);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 7);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 7);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 += v5 + m1; v15 = BitOperations.RotateRight(v15 ^ v0, 16);
        v1 += v6 + m12; v12 = BitOperations.RotateRight(v12 ^ v1, 16);
        v2 += v7 + m9; v13 = BitOperations.RotateRight(v13 ^ v2, 16);
        v3 += v4 + m15; v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 12);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 12);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 12);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 += v5 + m11; v15 = BitOperations.RotateRight(v15 ^ v0, 8);
        v1 += v6 + m5; v12 = BitOperations.RotateRight(v12 ^ v1, 8);
        v2 += v7 + m14; v13 = BitOperations.RotateRight(v13 ^ v2, 8);
        v3 += v4 + m8; v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 7);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 7);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 7);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 3
        v0 += v4 + m3; v12 = BitOperations.RotateRight(v12 ^ v0, 16);
        v1 += v5 + m10; v13 = BitOperations.RotateRight(v13 ^ v1, 16);
        v2 += v6 + m13; v14 = BitOperations.RotateRight(v14 ^ v2, 16);
        v3 += v7 + m7; v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 12);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 12);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 12);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 += v4 + m4; v12 = BitOperations.RotateRight(v12 ^ v0, 8);
        v1 += v5 + m12; v13 = BitOperations.RotateRight(v13 ^ v1, 8);
        v2 += v6 + m2; v14 = BitOperations.RotateRight(v14 ^ v2, 8);
        v3 += v7 + m14; v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 7);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 7);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 7);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 += v5 + m6; v15 = BitOperations.RotateRight(v15 ^ v0, 16);
        v1 += v6 + m9; v12 = BitOperations.RotateRight(v12 ^ v1, 16);
        v2 += v7 + m11; v13 = BitOperations.RotateRight(v13 ^ v2, 16);
        v3 += v4 + m8; v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 12);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 12);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 12);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 += v5 + m5; v15 = BitOperations.RotateRight(v15 ^ v0, 8);
        v1 += v6 + m0; v12 = BitOperations.RotateRight(v12 ^ v1, 8);
        v2 += v7 + m15; v13 = BitOperations.RotateRight(v13 ^ v2, 8);
        v3 += v4 + m1; v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 7);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 7);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 7);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 4
        v0 += v4 + m10; v12 = BitOperations.RotateRight(v12 ^ v0, 16);
        v1 += v5 + m12; v13 = BitOperations.RotateRight(v13 ^ v1, 16);
        v2 += v6 + m14; v14 = BitOperations.RotateRight(v14 ^ v2, 16);
        v3 += v7 + m13; v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 12);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 12);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 12);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 += v4 + m7; v12 = BitOperations.RotateRight(v12 ^ v0, 8);
        v1 += v5 + m9; v13 = BitOperations.RotateRight(v13 ^ v1, 8);
        v2 += v6 + m3; v14 = BitOperations.RotateRight(v14 ^ v2, 8);
        v3 += v7 + m15; v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 7);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 7);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 7);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 += v5 + m4; v15 = BitOperations.RotateRight(v15 ^ v0, 16);
        v1 += v6 + m11; v12 = BitOperations.RotateRight(v12 ^ v1, 16);
        v2 += v7 + m5; v13 = BitOperations.RotateRight(v13 ^ v2, 16);
        v3 += v4 + m1; v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 12);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 12);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 12);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 += v5 + m0; v15 = BitOperations.RotateRight(v15 ^ v0, 8);
        v1 += v6 + m2; v12 = BitOperations.RotateRight(v12 ^ v1, 8);
        v2 += v7 + m8; v13 = BitOperations.RotateRight(v13 ^ v2, 8);
        v3 += v4 + m6; v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 7);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 7);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 7);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 5
        v0 += v4 + m12; v12 = BitOperations.RotateRight(v12 ^ v0, 16);
        v1 += v5 + m9; v13 = BitOperations.RotateRight(v13 ^ v1, 16);
        v2 += v6 + m15; v14 = BitOperations.RotateRight(v14 ^ v2, 16);
        v3 += v7 + m14; v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 12);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 12);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 12);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 += v4 + m13; v12 = BitOperations.RotateRight(v12 ^ v0, 8);
        v1 += v5 + m11; v13 = BitOperations.RotateRight(v13 ^ v1, 8);
        v2 += v6 + m10; v14 = BitOperations.RotateRight(v14 ^ v2, 8);
        v3 += v7 + m8; v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 7);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 7);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 7);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 += v5 + m7; v15 = BitOperations.RotateRight(v15 ^ v0, 16);
        v1 += v6 + m5; v12 = BitOperations.RotateRight(v12 ^ v1, 16);
        v2 += v7 + m0; v13 = BitOperations.RotateRight(v13 ^ v2, 16);
        v3 += v4 + m6; v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 12);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 12);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 12);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 += v5 + m2; v15 = BitOperations.RotateRight(v15 ^ v0, 8);
        v1 += v6 + m3; v12 = BitOperations.RotateRight(v12 ^ v1, 8);
        v2 += v7 + m1; v13 = BitOperations.RotateRight(v13 ^ v2, 8);
        v3 += v4 + m4; v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 7);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 7);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 7);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 6
        v0 += v4 + m9; v12 = BitOperations.RotateRight(v12 ^ v0, 16);
        v1 += v5 + m11; v13 = BitOperations.RotateRight(v13 ^ v1, 16);
        v2 += v6 + m8; v14 = BitOperations.RotateRight(v14 ^ v2, 16);
        v3 += v7 + m15; v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 12);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 12);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 12);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 += v4 + m14; v12 = BitOperations.RotateRight(v12 ^ v0, 8);
        v1 += v5 + m5; v13 = BitOperations.RotateRight(v13 ^ v1, 8);
        v2 += v6 + m12; v14 = BitOperations.RotateRight(v14 ^ v2, 8);
        v3 += v7 + m1; v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 7);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 7);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 7);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 += v5 + m13; v15 = BitOperations.RotateRight(v15 ^ v0, 16);
        v1 += v6 + m0; v12 = BitOperations.RotateRight(v12 ^ v1, 16);
        v2 += v7 + m2; v13 = BitOperations.RotateRight(v13 ^ v2, 16);
        v3 += v4 + m4; v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 12);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 12);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 12);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 += v5 + m3; v15 = BitOperations.RotateRight(v15 ^ v0, 8);
        v1 += v6 + m10; v12 = BitOperations.RotateRight(v12 ^ v1, 8);
        v2 += v7 + m6; v13 = BitOperations.RotateRight(v13 ^ v2, 8);
        v3 += v4 + m7; v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 7);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 7);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 7);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 7);
        // Round 7
        v0 += v4 + m11; v12 = BitOperations.RotateRight(v12 ^ v0, 16);
        v1 += v5 + m5; v13 = BitOperations.RotateRight(v13 ^ v1, 16);
        v2 += v6 + m1; v14 = BitOperations.RotateRight(v14 ^ v2, 16);
        v3 += v7 + m8; v15 = BitOperations.RotateRight(v15 ^ v3, 16);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 12);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 12);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 12);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 12);
        v0 += v4 + m15; v12 = BitOperations.RotateRight(v12 ^ v0, 8);
        v1 += v5 + m0; v13 = BitOperations.RotateRight(v13 ^ v1, 8);
        v2 += v6 + m9; v14 = BitOperations.RotateRight(v14 ^ v2, 8);
        v3 += v7 + m6; v15 = BitOperations.RotateRight(v15 ^ v3, 8);
        v8 += v12; v4 = BitOperations.RotateRight(v4 ^ v8, 7);
        v9 += v13; v5 = BitOperations.RotateRight(v5 ^ v9, 7);
        v10 += v14; v6 = BitOperations.RotateRight(v6 ^ v10, 7);
        v11 += v15; v7 = BitOperations.RotateRight(v7 ^ v11, 7);
        v0 += v5 + m14; v15 = BitOperations.RotateRight(v15 ^ v0, 16);
        v1 += v6 + m2; v12 = BitOperations.RotateRight(v12 ^ v1, 16);
        v2 += v7 + m3; v13 = BitOperations.RotateRight(v13 ^ v2, 16);
        v3 += v4 + m7; v14 = BitOperations.RotateRight(v14 ^ v3, 16);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 12);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 12);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 12);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 12);
        v0 += v5 + m10; v15 = BitOperations.RotateRight(v15 ^ v0, 8);
        v1 += v6 + m12; v12 = BitOperations.RotateRight(v12 ^ v1, 8);
        v2 += v7 + m4; v13 = BitOperations.RotateRight(v13 ^ v2, 8);
        v3 += v4 + m13; v14 = BitOperations.RotateRight(v14 ^ v3, 8);
        v10 += v15; v5 = BitOperations.RotateRight(v5 ^ v10, 7);
        v11 += v12; v6 = BitOperations.RotateRight(v6 ^ v11, 7);
        v8 += v13; v7 = BitOperations.RotateRight(v7 ^ v8, 7);
        v9 += v14; v4 = BitOperations.RotateRight(v4 ^ v9, 7);

        output = v0 ^ v8;
        Unsafe.Add(ref output, 1) = v1 ^ v9;
        Unsafe.Add(ref output, 2) = v2 ^ v10;
        Unsafe.Add(ref output, 3) = v3 ^ v11;
        Unsafe.Add(ref output, 4) = v4 ^ v12;
        Unsafe.Add(ref output, 5) = v5 ^ v13;
        Unsafe.Add(ref output, 6) = v6 ^ v14;
        Unsafe.Add(ref output, 7) = v7 ^ v15;
        if (extended)
        {
            Unsafe.Add(ref output, 8) = v8 ^ h0;
            Unsafe.Add(ref output, 9) = v9 ^ h1;
            Unsafe.Add(ref output, 10) = v10 ^ h2;
            Unsafe.Add(ref output, 11) = v11 ^ h3;
            Unsafe.Add(ref output, 12) = v12 ^ h4;
            Unsafe.Add(ref output, 13) = v13 ^ h5;
            Unsafe.Add(ref output, 14) = v14 ^ h6;
            Unsafe.Add(ref output, 15) = v15 ^ h7;
        }
    }
}

/// <summary>Eight 32-bit words: a key or chaining value.</summary>
[InlineArray(8)]
internal struct Words8
{
    private uint _w0;

    internal static Words8 IV
    {
        get
        {
            Words8 w = default;
            w[0] = Blake3.IV0; w[1] = Blake3.IV1; w[2] = Blake3.IV2; w[3] = Blake3.IV3;
            w[4] = Blake3.IV4; w[5] = Blake3.IV5; w[6] = Blake3.IV6; w[7] = Blake3.IV7;
            return w;
        }
    }

    internal static Words8 FromKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != Blake3.KeySize)
            throw new ArgumentException($"A BLAKE3 key is {Blake3.KeySize} bytes; got {key.Length}.", nameof(key));
        Words8 w = default;
        for (int i = 0; i < 8; i++)
            w[i] = BinaryPrimitives.ReadUInt32LittleEndian(key[(4 * i)..]);
        return w;
    }

    internal static Words8 FromDigest(in Digest d)
    {
        Words8 w = default;
        w[0] = (uint)d.W0; w[1] = (uint)(d.W0 >> 32);
        w[2] = (uint)d.W1; w[3] = (uint)(d.W1 >> 32);
        w[4] = (uint)d.W2; w[5] = (uint)(d.W2 >> 32);
        w[6] = (uint)d.W3; w[7] = (uint)(d.W3 >> 32);
        return w;
    }

    internal readonly Digest ToDigest() => new(
        this[0] | (ulong)this[1] << 32,
        this[2] | (ulong)this[3] << 32,
        this[4] | (ulong)this[5] << 32,
        this[6] | (ulong)this[7] << 32);

    internal readonly void WriteTo(Span<byte> destination)
    {
        for (int i = 0; i < 8; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(4 * i)..], this[i]);
    }
}

/// <summary>One 64-byte message block.</summary>
[InlineArray(64)]
internal struct Bytes64
{
    private byte _b0;
}
