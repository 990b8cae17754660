using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Verity.Crypto;

/// <summary>
/// BLAKE3 over many equal-length inputs at once, one input per SIMD lane ("hash many"): lane i of every vector
/// holds input i's state. All inputs have the same length, so they share the chunk/tree structure and every
/// compression (including parent nodes) runs in all lanes together.
/// </summary>
internal static class Blake3Lanes
{
    /// <summary>Widest lane count this machine runs in SIMD (1 when only the scalar path is available).</summary>
    public static int MaxLanes =>
        Lanes512.IsSupported ? 16 : Lanes256.IsSupported ? 8 : Lanes128.IsSupported ? 4 : 1;

    /// <summary>
    /// Hashes <paramref name="count"/> inputs of <paramref name="length"/> bytes, input i starting at
    /// <c>i * stride</c>, writing 32-byte digests contiguously to <paramref name="output"/>.
    /// <paramref name="maxLanes"/> limits the vector width (tests use it to cover every width on one machine).
    /// </summary>
    public static void HashMany(ReadOnlySpan<byte> inputs, int stride, int length, int count, in Words8 key, uint flags, Span<byte> output, int maxLanes = 16)
    {
        if (count == 0)
            return;
        if ((long)(count - 1) * stride + length > inputs.Length || (long)count * Blake3.OutputSize > output.Length)
            throw new ArgumentException("Input or output too short for the requested number of hashes.");

        ref byte src = ref MemoryMarshal.GetReference(inputs);
        ref byte dst = ref MemoryMarshal.GetReference(output);
        int i = 0;
        if (BitConverter.IsLittleEndian)
        {
            if (Lanes512.IsSupported && maxLanes >= 16)
                for (; count - i >= 16; i += 16)
                {
                    if (count - i >= 32 && stride <= 4096 && Sse.IsSupported)
                        Prefetch(ref Unsafe.Add(ref src, (nint)(i + 16) * stride), 16 * stride);
                    HashLanes<Lanes512, Vector512<uint>>(ref Unsafe.Add(ref src, (nint)i * stride), inputs.Length - (nint)i * stride, stride, length, in key, flags, ref Unsafe.Add(ref dst, i * Blake3.OutputSize));
                }
            if (Lanes256.IsSupported && maxLanes >= 8)
                for (; count - i >= 8; i += 8)
                    HashLanes<Lanes256, Vector256<uint>>(ref Unsafe.Add(ref src, (nint)i * stride), inputs.Length - (nint)i * stride, stride, length, in key, flags, ref Unsafe.Add(ref dst, i * Blake3.OutputSize));
            if (Lanes128.IsSupported && maxLanes >= 4)
                for (; count - i >= 4; i += 4)
                    HashLanes<Lanes128, Vector128<uint>>(ref Unsafe.Add(ref src, (nint)i * stride), inputs.Length - (nint)i * stride, stride, length, in key, flags, ref Unsafe.Add(ref dst, i * Blake3.OutputSize));
        }
        for (; i < count; i++)
            Blake3.HashCore(in key, flags, inputs.Slice((int)((long)i * stride), length), output.Slice(i * Blake3.OutputSize, Blake3.OutputSize));
    }

    /// <summary>
    /// Hints the next batch into cache: sixteen strided lanes defeat the hardware prefetcher when leaves stream
    /// from DRAM (large trees). A prefetch never faults, so an address made stale by the GC is harmless.
    /// </summary>
    private static unsafe void Prefetch(ref byte start, nint bytes)
    {
        byte* p = (byte*)Unsafe.AsPointer(ref start);
        for (nint off = 0; off < bytes; off += 64)
            Sse.Prefetch0(p + off);
    }

    /// <summary>How many whole chunks to hash in lanes when <paramref name="available"/> bytes remain (more must follow them).</summary>
    public static int ChunkLanesFor(int available)
    {
        if (!BitConverter.IsLittleEndian)
            return 1;
        if (Lanes512.IsSupported && available > 16 * Blake3.ChunkLen) return 16;
        if (Lanes256.IsSupported && available > 8 * Blake3.ChunkLen) return 8;
        if (Lanes128.IsSupported && available > 4 * Blake3.ChunkLen) return 4;
        return 1;
    }

    /// <summary>
    /// Chaining values (non-root) of <paramref name="lanes"/> consecutive whole chunks with counters
    /// <paramref name="counter"/>, <paramref name="counter"/>+1, …, written as 32 bytes each to <paramref name="cvs"/>.
    /// </summary>
    public static void HashChunks(ReadOnlySpan<byte> input, int lanes, in Words8 key, uint flags, ulong counter, Span<byte> cvs)
    {
        if (input.Length < lanes * Blake3.ChunkLen || cvs.Length < lanes * Blake3.OutputSize)
            throw new ArgumentException("Input or output too short.");
        ref byte src = ref MemoryMarshal.GetReference(input);
        ref byte dst = ref MemoryMarshal.GetReference(cvs);
        switch (lanes)
        {
            case 16: ChunksLanes<Lanes512, Vector512<uint>>(ref src, in key, flags, counter, ref dst); break;
            case 8: ChunksLanes<Lanes256, Vector256<uint>>(ref src, in key, flags, counter, ref dst); break;
            case 4: ChunksLanes<Lanes128, Vector128<uint>>(ref src, in key, flags, counter, ref dst); break;
            default: throw new ArgumentOutOfRangeException(nameof(lanes));
        }
    }

    /// <summary>
    /// Parent chaining values (non-root) of <paramref name="count"/> pairs of child chaining values: pair i is the
    /// 64 bytes at <c>64 * i</c> of <paramref name="children"/>; outputs are 32 bytes each.
    /// </summary>
    public static void Parents(ReadOnlySpan<byte> children, int count, in Words8 key, uint flags, Span<byte> output)
    {
        if (children.Length < count * Blake3.BlockLen || output.Length < count * Blake3.OutputSize)
            throw new ArgumentException("Input or output too short.");
        ref byte src = ref MemoryMarshal.GetReference(children);
        ref byte dst = ref MemoryMarshal.GetReference(output);
        int i = 0;
        if (BitConverter.IsLittleEndian)
        {
            if (Lanes512.IsSupported)
                for (; count - i >= 16; i += 16)
                    ParentsLanes<Lanes512, Vector512<uint>>(ref Unsafe.Add(ref src, i * Blake3.BlockLen), in key, flags, ref Unsafe.Add(ref dst, i * Blake3.OutputSize));
            if (Lanes256.IsSupported)
                for (; count - i >= 8; i += 8)
                    ParentsLanes<Lanes256, Vector256<uint>>(ref Unsafe.Add(ref src, i * Blake3.BlockLen), in key, flags, ref Unsafe.Add(ref dst, i * Blake3.OutputSize));
            if (Lanes128.IsSupported)
                for (; count - i >= 4; i += 4)
                    ParentsLanes<Lanes128, Vector128<uint>>(ref Unsafe.Add(ref src, i * Blake3.BlockLen), in key, flags, ref Unsafe.Add(ref dst, i * Blake3.OutputSize));
        }
        for (; i < count; i++)
        {
            Words8 cv = key;
            Blake3.Compress(ref cv[0], ref Unsafe.Add(ref src, i * Blake3.BlockLen), 0, Blake3.BlockLen, flags | Blake3.Parent, ref cv[0], extended: false);
            cv.WriteTo(output.Slice(i * Blake3.OutputSize, Blake3.OutputSize));
        }
    }

    private static void ParentsLanes<TOps, TVec>(ref byte src, in Words8 key, uint flags, ref byte dst)
        where TOps : struct, ILaneOps<TVec> where TVec : unmanaged
    {
        Span<TVec> cv = stackalloc TVec[8];
        Span<TVec> msg = stackalloc TVec[16];
        BroadcastKey<TOps, TVec>(in key, cv);
        TOps.LoadTransposed(ref src, Blake3.BlockLen, ref msg[0]);
        TVec zero = TOps.Broadcast(0);
        CompressLanes<TOps, TVec>(ref cv[0], ref msg[0], zero, zero, Blake3.BlockLen, flags | Blake3.Parent);
        TOps.StoreTransposed(ref cv[0], ref dst);
    }

    private static void ChunksLanes<TOps, TVec>(ref byte src, in Words8 key, uint flags, ulong counter, ref byte dst)
        where TOps : struct, ILaneOps<TVec> where TVec : unmanaged
    {
        Span<uint> lo = stackalloc uint[TOps.Lanes];
        Span<uint> hi = stackalloc uint[TOps.Lanes];
        for (int l = 0; l < TOps.Lanes; l++)
        {
            ulong c = counter + (ulong)l;
            lo[l] = (uint)c;
            hi[l] = (uint)(c >> 32);
        }
        TVec ctrLo = MemoryMarshal.Read<TVec>(MemoryMarshal.AsBytes(lo));
        TVec ctrHi = MemoryMarshal.Read<TVec>(MemoryMarshal.AsBytes(hi));

        Span<TVec> cv = stackalloc TVec[8];
        Span<TVec> msg = stackalloc TVec[16];
        Span<byte> pad = stackalloc byte[TOps.Lanes * Blake3.BlockLen];
        BroadcastKey<TOps, TVec>(in key, cv);
        ChunkLanes<TOps, TVec>(ref src, TOps.Lanes * Blake3.ChunkLen, Blake3.ChunkLen, Blake3.ChunkLen, ctrLo, ctrHi, cv, msg, pad, flags, root: false);
        TOps.StoreTransposed(ref cv[0], ref dst);
    }

    private static void BroadcastKey<TOps, TVec>(in Words8 key, Span<TVec> cv)
        where TOps : struct, ILaneOps<TVec> where TVec : unmanaged
    {
        for (int w = 0; w < 8; w++)
            cv[w] = TOps.Broadcast(key[w]);
    }

    /// <summary>
    /// Full BLAKE3 (tree and root) of <c>TOps.Lanes</c> inputs of equal length; <paramref name="readable"/> bytes
    /// from <paramref name="src"/> may be read.
    /// </summary>
    private static void HashLanes<TOps, TVec>(ref byte src, nint readable, nint stride, int length, in Words8 key, uint flags, ref byte dst)
        where TOps : struct, ILaneOps<TVec> where TVec : unmanaged
    {
        int chunks = length == 0 ? 1 : (length - 1) / Blake3.ChunkLen + 1;
        TVec zero = TOps.Broadcast(0);
        Span<TVec> cv = stackalloc TVec[8];
        Span<TVec> msg = stackalloc TVec[16];
        Span<byte> pad = stackalloc byte[TOps.Lanes * Blake3.BlockLen];

        if (chunks == 1)
        {
            BroadcastKey<TOps, TVec>(in key, cv);
            ChunkLanes<TOps, TVec>(ref src, readable, stride, length, zero, zero, cv, msg, pad, flags, root: true);
            TOps.StoreTransposed(ref cv[0], ref dst);
            return;
        }

        // Subtree chaining values, merged as in the incremental hasher; one stack entry is 8 vectors.
        Span<TVec> stack = stackalloc TVec[8 * (BitOperations.Log2((uint)chunks) + 1)];
        int depth = 0;
        for (int c = 0; ; c++)
        {
            BroadcastKey<TOps, TVec>(in key, cv);
            int chunkLen = Math.Min(Blake3.ChunkLen, length - c * Blake3.ChunkLen);
            ChunkLanes<TOps, TVec>(ref Unsafe.Add(ref src, c * Blake3.ChunkLen), readable - c * Blake3.ChunkLen, stride, chunkLen,
                TOps.Broadcast((uint)c), zero, cv, msg, pad, flags, root: false);
            if (c == chunks - 1)
                break;
            for (int total = c + 1; (total & 1) == 0; total >>= 1)
                ParentLanes<TOps, TVec>(stack.Slice(8 * --depth, 8), cv, msg, in key, flags);
            cv.CopyTo(stack.Slice(8 * depth++, 8));
        }
        while (depth > 0)
        {
            depth--;
            ParentLanes<TOps, TVec>(stack.Slice(8 * depth, 8), cv, msg, in key, flags | (depth == 0 ? Blake3.Root : 0));
        }
        TOps.StoreTransposed(ref cv[0], ref dst);
    }

    /// <summary>cv = parent(left, cv) in every lane.</summary>
    private static void ParentLanes<TOps, TVec>(Span<TVec> left, Span<TVec> cv, Span<TVec> msg, in Words8 key, uint flags)
        where TOps : struct, ILaneOps<TVec> where TVec : unmanaged
    {
        left.CopyTo(msg);
        cv.CopyTo(msg[8..]);
        BroadcastKey<TOps, TVec>(in key, cv);
        TVec zero = TOps.Broadcast(0);
        CompressLanes<TOps, TVec>(ref cv[0], ref msg[0], zero, zero, Blake3.BlockLen, flags | Blake3.Parent);
    }

    /// <summary>
    /// Compresses one chunk of <paramref name="chunkLen"/> bytes per lane into <paramref name="cv"/> (which holds the
    /// key on entry); <paramref name="readable"/> bytes from <paramref name="src"/> may be read.
    /// </summary>
    private static void ChunkLanes<TOps, TVec>(ref byte src, nint readable, nint stride, int chunkLen, TVec ctrLo, TVec ctrHi,
        Span<TVec> cv, Span<TVec> msg, Span<byte> pad, uint flags, bool root)
        where TOps : struct, ILaneOps<TVec> where TVec : unmanaged
    {
        int blocks = chunkLen == 0 ? 1 : (chunkLen + Blake3.BlockLen - 1) / Blake3.BlockLen;
        for (int b = 0; b < blocks; b++)
        {
            int blockLen = Math.Min(Blake3.BlockLen, chunkLen - b * Blake3.BlockLen);
            uint f = flags | (b == 0 ? Blake3.ChunkStart : 0);
            if (b == blocks - 1)
                f |= Blake3.ChunkEnd | (root ? Blake3.Root : 0);

            ref byte block = ref Unsafe.Add(ref src, b * Blake3.BlockLen);
            if (blockLen == Blake3.BlockLen)
            {
                TOps.LoadTransposed(ref block, stride, ref msg[0]);
            }
            else if ((TOps.Lanes - 1) * stride + b * Blake3.BlockLen + Blake3.BlockLen <= readable)
            {
                // A partial last block followed by enough readable bytes (the next input's): load whole blocks and
                // zero the bytes past the end, which sit at the same word positions in every lane.
                TOps.LoadTransposed(ref block, stride, ref msg[0]);
                for (int w = blockLen / 4; w < 16; w++)
                {
                    int valid = blockLen - 4 * w;
                    msg[w] = valid <= 0 ? TOps.Broadcast(0) : TOps.And(msg[w], TOps.Broadcast((1u << (8 * valid)) - 1));
                }
            }
            else
            {
                // A partial last block at the end of the buffer: gather the lanes' bytes into a zero-padded buffer.
                pad.Clear();
                for (int l = 0; l < TOps.Lanes; l++)
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref block, l * stride), blockLen).CopyTo(pad[(l * Blake3.BlockLen)..]);
                TOps.LoadTransposed(ref pad[0], Blake3.BlockLen, ref msg[0]);
            }
            CompressLanes<TOps, TVec>(ref cv[0], ref msg[0], ctrLo, ctrHi, (uint)blockLen, f);
        }
    }

    /// <summary>The compression function in every lane; writes the 8-word chaining value back to <paramref name="cv"/>.</summary>
    // Big straight-line kernel: compile it optimized at once, since its unoptimized (tier-0) form is many times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CompressLanes<TOps, TVec>(ref TVec cv, ref TVec m, TVec ctrLo, TVec ctrHi, uint blockLen, uint flags)
        where TOps : struct, ILaneOps<TVec> where TVec : unmanaged
    {
        TVec m0 = m, m1 = Unsafe.Add(ref m, 1), m2 = Unsafe.Add(ref m, 2), m3 = Unsafe.Add(ref m, 3);
        TVec m4 = Unsafe.Add(ref m, 4), m5 = Unsafe.Add(ref m, 5), m6 = Unsafe.Add(ref m, 6), m7 = Unsafe.Add(ref m, 7);
        TVec m8 = Unsafe.Add(ref m, 8), m9 = Unsafe.Add(ref m, 9), m10 = Unsafe.Add(ref m, 10), m11 = Unsafe.Add(ref m, 11);
        TVec m12 = Unsafe.Add(ref m, 12), m13 = Unsafe.Add(ref m, 13), m14 = Unsafe.Add(ref m, 14), m15 = Unsafe.Add(ref m, 15);

        TVec v0 = cv, v1 = Unsafe.Add(ref cv, 1), v2 = Unsafe.Add(ref cv, 2), v3 = Unsafe.Add(ref cv, 3);
        TVec v4 = Unsafe.Add(ref cv, 4), v5 = Unsafe.Add(ref cv, 5), v6 = Unsafe.Add(ref cv, 6), v7 = Unsafe.Add(ref cv, 7);
        TVec v8 = TOps.Broadcast(Blake3.IV0), v9 = TOps.Broadcast(Blake3.IV1), v10 = TOps.Broadcast(Blake3.IV2), v11 = TOps.Broadcast(Blake3.IV3);
        TVec v12 = ctrLo, v13 = ctrHi, v14 = TOps.Broadcast(blockLen), v15 = TOps.Broadcast(flags);

        // The round bodies below are generated: tools/codegen/blake3_keccak_rounds.py.
        // Round 1
        v0 = TOps.Add(TOps.Add(v0, v4), m0);
        v1 = TOps.Add(TOps.Add(v1, v5), m2);
        v2 = TOps.Add(TOps.Add(v2, v6), m4);
        v3 = TOps.Add(TOps.Add(v3, v7), m6);
        v12 = TOps.Rotr16(TOps.Xor(v12, v0));
        v13 = TOps.Rotr16(TOps.Xor(v13, v1));
        v14 = TOps.Rotr16(TOps.Xor(v14, v2));
        v15 = TOps.Rotr16(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr12(TOps.Xor(v4, v8));
        v5 = TOps.Rotr12(TOps.Xor(v5, v9));
        v6 = TOps.Rotr12(TOps.Xor(v6, v10));
        v7 = TOps.Rotr12(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v4), m1);
        v1 = TOps.Add(TOps.Add(v1, v5), m3);
        v2 = TOps.Add(TOps.Add(v2, v6), m5);
        v3 = TOps.Add(TOps.Add(v3, v7), m7);
        v12 = TOps.Rotr8(TOps.Xor(v12, v0));
        v13 = TOps.Rotr8(TOps.Xor(v13, v1));
        v14 = TOps.Rotr8(TOps.Xor(v14, v2));
        v15 = TOps.Rotr8(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr7(TOps.Xor(v4, v8));
        v5 = TOps.Rotr7(TOps.Xor(v5, v9));
        v6 = TOps.Rotr7(TOps.Xor(v6, v10));
        v7 = TOps.Rotr7(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v5), m8);
        v1 = TOps.Add(TOps.Add(v1, v6), m10);
        v2 = TOps.Add(TOps.Add(v2, v7), m12);
        v3 = TOps.Add(TOps.Add(v3, v4), m14);
        v15 = TOps.Rotr16(TOps.Xor(v15, v0));
        v12 = TOps.Rotr16(TOps.Xor(v12, v1));
        v13 = TOps.Rotr16(TOps.Xor(v13, v2));
        v14 = TOps.Rotr16(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr12(TOps.Xor(v5, v10));
        v6 = TOps.Rotr12(TOps.Xor(v6, v11));
        v7 = TOps.Rotr12(TOps.Xor(v7, v8));
        v4 = TOps.Rotr12(TOps.Xor(v4, v9));
        v0 = TOps.Add(TOps.Add(v0, v5), m9);
        v1 = TOps.Add(TOps.Add(v1, v6), m11);
        v2 = TOps.Add(TOps.Add(v2, v7), m13);
        v3 = TOps.Add(TOps.Add(v3, v4), m15);
        v15 = TOps.Rotr8(TOps.Xor(v15, v0));
        v12 = TOps.Rotr8(TOps.Xor(v12, v1));
        v13 = TOps.Rotr8(TOps.Xor(v13, v2));
        v14 = TOps.Rotr8(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr7(TOps.Xor(v5, v10));
        v6 = TOps.Rotr7(TOps.Xor(v6, v11));
        v7 = TOps.Rotr7(TOps.Xor(v7, v8));
        v4 = TOps.Rotr7(TOps.Xor(v4, v9));
        // Round 2
        v0 = TOps.Add(TOps.Add(v0, v4), m2);
        v1 = TOps.Add(TOps.Add(v1, v5), m3);
        v2 = TOps.Add(TOps.Add(v2, v6), m7);
        v3 = TOps.Add(TOps.Add(v3, v7), m4);
        v12 = TOps.Rotr16(TOps.Xor(v12, v0));
        v13 = TOps.Rotr16(TOps.Xor(v13, v1));
        v14 = TOps.Rotr16(TOps.Xor(v14, v2));
        v15 = TOps.Rotr16(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr12(TOps.Xor(v4, v8));
        v5 = TOps.Rotr12(TOps.Xor(v5, v9));
        v6 = TOps.Rotr12(TOps.Xor(v6, v10));
        v7 = TOps.Rotr12(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v4), m6);
        v1 = TOps.Add(TOps.Add(v1, v5), m10);
        v2 = TOps.Add(TOps.Add(v2, v6), m0);
        v3 = TOps.Add(TOps.Add(v3, v7), m13);
        v12 = TOps.Rotr8(TOps.Xor(v12, v0));
        v13 = TOps.Rotr8(TOps.Xor(v13, v1));
        v14 = TOps.Rotr8(TOps.Xor(v14, v2));
        v15 = TOps.Rotr8(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr7(TOps.Xor(v4, v8));
        v5 = TOps.Rotr7(TOps.Xor(v5, v9));
        v6 = TOps.Rotr7(TOps.Xor(v6, v10));
        v7 = TOps.Rotr7(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v5), m1);
        v1 = TOps.Add(TOps.Add(v1, v6), m12);
        v2 = TOps.Add(TOps.Add(v2, v7), m9);
        v3 = TOps.Add(TOps.Add(v3, v4), m15);
        v15 = TOps.Rotr16(TOps.Xor(v15, v0));
        v12 = TOps.Rotr16(TOps.Xor(v12, v1));
        v13 = TOps.Rotr16(TOps.Xor(v13, v2));
        v14 = TOps.Rotr16(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr12(TOps.Xor(v5, v10));
        v6 = TOps.Rotr12(TOps.Xor(v6, v11));
        v7 = TOps.Rotr12(TOps.Xor(v7, v8));
        v4 = TOps.Rotr12(TOps.Xor(v4, v9));
        v0 = TOps.Add(TOps.Add(v0, v5), m11);
        v1 = TOps.Add(TOps.Add(v1, v6), m5);
        v2 = TOps.Add(TOps.Add(v2, v7), m14);
        v3 = TOps.Add(TOps.Add(v3, v4), m8);
        v15 = TOps.Rotr8(TOps.Xor(v15, v0));
        v12 = TOps.Rotr8(TOps.Xor(v12, v1));
        v13 = TOps.Rotr8(TOps.Xor(v13, v2));
        v14 = TOps.Rotr8(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr7(TOps.Xor(v5, v10));
        v6 = TOps.Rotr7(TOps.Xor(v6, v11));
        v7 = TOps.Rotr7(TOps.Xor(v7, v8));
        v4 = TOps.Rotr7(TOps.Xor(v4, v9));
        // Round 3
        v0 = TOps.Add(TOps.Add(v0, v4), m3);
        v1 = TOps.Add(TOps.Add(v1, v5), m10);
        v2 = TOps.Add(TOps.Add(v2, v6), m13);
        v3 = TOps.Add(TOps.Add(v3, v7), m7);
        v12 = TOps.Rotr16(TOps.Xor(v12, v0));
        v13 = TOps.Rotr16(TOps.Xor(v13, v1));
        v14 = TOps.Rotr16(TOps.Xor(v14, v2));
        v15 = TOps.Rotr16(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr12(TOps.Xor(v4, v8));
        v5 = TOps.Rotr12(TOps.Xor(v5, v9));
        v6 = TOps.Rotr12(TOps.Xor(v6, v10));
        v7 = TOps.Rotr12(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v4), m4);
        v1 = TOps.Add(TOps.Add(v1, v5), m12);
        v2 = TOps.Add(TOps.Add(v2, v6), m2);
        v3 = TOps.Add(TOps.Add(v3, v7), m14);
        v12 = TOps.Rotr8(TOps.Xor(v12, v0));
        v13 = TOps.Rotr8(TOps.Xor(v13, v1));
        v14 = TOps.Rotr8(TOps.Xor(v14, v2));
        v15 = TOps.Rotr8(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr7(TOps.Xor(v4, v8));
        v5 = TOps.Rotr7(TOps.Xor(v5, v9));
        v6 = TOps.Rotr7(TOps.Xor(v6, v10));
        v7 = TOps.Rotr7(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v5), m6);
        v1 = TOps.Add(TOps.Add(v1, v6), m9);
        v2 = TOps.Add(TOps.Add(v2, v7), m11);
        v3 = TOps.Add(TOps.Add(v3, v4), m8);
        v15 = TOps.Rotr16(TOps.Xor(v15, v0));
        v12 = TOps.Rotr16(TOps.Xor(v12, v1));
        v13 = TOps.Rotr16(TOps.Xor(v13, v2));
        v14 = TOps.Rotr16(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr12(TOps.Xor(v5, v10));
        v6 = TOps.Rotr12(TOps.Xor(v6, v11));
        v7 = TOps.Rotr12(TOps.Xor(v7, v8));
        v4 = TOps.Rotr12(TOps.Xor(v4, v9));
        v0 = TOps.Add(TOps.Add(v0, v5), m5);
        v1 = TOps.Add(TOps.Add(v1, v6), m0);
        v2 = TOps.Add(TOps.Add(v2, v7), m15);
        v3 = TOps.Add(TOps.Add(v3, v4), m1);
        v15 = TOps.Rotr8(TOps.Xor(v15, v0));
        v12 = TOps.Rotr8(TOps.Xor(v12, v1));
        v13 = TOps.Rotr8(TOps.Xor(v13, v2));
        v14 = TOps.Rotr8(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr7(TOps.Xor(v5, v10));
        v6 = TOps.Rotr7(TOps.Xor(v6, v11));
        v7 = TOps.Rotr7(TOps.Xor(v7, v8));
        v4 = TOps.Rotr7(TOps.Xor(v4, v9));
        // Round 4
        v0 = TOps.Add(TOps.Add(v0, v4), m10);
        v1 = TOps.Add(TOps.Add(v1, v5), m12);
        v2 = TOps.Add(TOps.Add(v2, v6), m14);
        v3 = TOps.Add(TOps.Add(v3, v7), m13);
        v12 = TOps.Rotr16(TOps.Xor(v12, v0));
        v13 = TOps.Rotr16(TOps.Xor(v13, v1));
        v14 = TOps.Rotr16(TOps.Xor(v14, v2));
        v15 = TOps.Rotr16(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr12(TOps.Xor(v4, v8));
        v5 = TOps.Rotr12(TOps.Xor(v5, v9));
        v6 = TOps.Rotr12(TOps.Xor(v6, v10));
        v7 = TOps.Rotr12(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v4), m7);
        v1 = TOps.Add(TOps.Add(v1, v5), m9);
        v2 = TOps.Add(TOps.Add(v2, v6), m3);
        v3 = TOps.Add(TOps.Add(v3, v7), m15);
        v12 = TOps.Rotr8(TOps.Xor(v12, v0));
        v13 = TOps.Rotr8(TOps.Xor(v13, v1));
        v14 = TOps.Rotr8(TOps.Xor(v14, v2));
        v15 = TOps.Rotr8(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr7(TOps.Xor(v4, v8));
        v5 = TOps.Rotr7(TOps.Xor(v5, v9));
        v6 = TOps.Rotr7(TOps.Xor(v6, v10));
        v7 = TOps.Rotr7(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v5), m4);
        v1 = TOps.Add(TOps.Add(v1, v6), m11);
        v2 = TOps.Add(TOps.Add(v2, v7), m5);
        v3 = TOps.Add(TOps.Add(v3, v4), m1);
        v15 = TOps.Rotr16(TOps.Xor(v15, v0));
        v12 = TOps.Rotr16(TOps.Xor(v12, v1));
        v13 = TOps.Rotr16(TOps.Xor(v13, v2));
        v14 = TOps.Rotr16(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr12(TOps.Xor(v5, v10));
        v6 = TOps.Rotr12(TOps.Xor(v6, v11));
        v7 = TOps.Rotr12(TOps.Xor(v7, v8));
        v4 = TOps.Rotr12(TOps.Xor(v4, v9));
        v0 = TOps.Add(TOps.Add(v0, v5), m0);
        v1 = TOps.Add(TOps.Add(v1, v6), m2);
        v2 = TOps.Add(TOps.Add(v2, v7), m8);
        v3 = TOps.Add(TOps.Add(v3, v4), m6);
        v15 = TOps.Rotr8(TOps.Xor(v15, v0));
        v12 = TOps.Rotr8(TOps.Xor(v12, v1));
        v13 = TOps.Rotr8(TOps.Xor(v13, v2));
        v14 = TOps.Rotr8(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr7(TOps.Xor(v5, v10));
        v6 = TOps.Rotr7(TOps.Xor(v6, v11));
        v7 = TOps.Rotr7(TOps.Xor(v7, v8));
        v4 = TOps.Rotr7(TOps.Xor(v4, v9));
        // Round 5
        v0 = TOps.Add(TOps.Add(v0, v4), m12);
        v1 = TOps.Add(TOps.Add(v1, v5), m9);
        v2 = TOps.Add(TOps.Add(v2, v6), m15);
        v3 = TOps.Add(TOps.Add(v3, v7), m14);
        v12 = TOps.Rotr16(TOps.Xor(v12, v0));
        v13 = TOps.Rotr16(TOps.Xor(v13, v1));
        v14 = TOps.Rotr16(TOps.Xor(v14, v2));
        v15 = TOps.Rotr16(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr12(TOps.Xor(v4, v8));
        v5 = TOps.Rotr12(TOps.Xor(v5, v9));
        v6 = TOps.Rotr12(TOps.Xor(v6, v10));
        v7 = TOps.Rotr12(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v4), m13);
        v1 = TOps.Add(TOps.Add(v1, v5), m11);
        v2 = TOps.Add(TOps.Add(v2, v6), m10);
        v3 = TOps.Add(TOps.Add(v3, v7), m8);
        v12 = TOps.Rotr8(TOps.Xor(v12, v0));
        v13 = TOps.Rotr8(TOps.Xor(v13, v1));
        v14 = TOps.Rotr8(TOps.Xor(v14, v2));
        v15 = TOps.Rotr8(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr7(TOps.Xor(v4, v8));
        v5 = TOps.Rotr7(TOps.Xor(v5, v9));
        v6 = TOps.Rotr7(TOps.Xor(v6, v10));
        v7 = TOps.Rotr7(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v5), m7);
        v1 = TOps.Add(TOps.Add(v1, v6), m5);
        v2 = TOps.Add(TOps.Add(v2, v7), m0);
        v3 = TOps.Add(TOps.Add(v3, v4), m6);
        v15 = TOps.Rotr16(TOps.Xor(v15, v0));
        v12 = TOps.Rotr16(TOps.Xor(v12, v1));
        v13 = TOps.Rotr16(TOps.Xor(v13, v2));
        v14 = TOps.Rotr16(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr12(TOps.Xor(v5, v10));
        v6 = TOps.Rotr12(TOps.Xor(v6, v11));
        v7 = TOps.Rotr12(TOps.Xor(v7, v8));
        v4 = TOps.Rotr12(TOps.Xor(v4, v9));
        v0 = TOps.Add(TOps.Add(v0, v5), m2);
        v1 = TOps.Add(TOps.Add(v1, v6), m3);
        v2 = TOps.Add(TOps.Add(v2, v7), m1);
        v3 = TOps.Add(TOps.Add(v3, v4), m4);
        v15 = TOps.Rotr8(TOps.Xor(v15, v0));
        v12 = TOps.Rotr8(TOps.Xor(v12, v1));
        v13 = TOps.Rotr8(TOps.Xor(v13, v2));
        v14 = TOps.Rotr8(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr7(TOps.Xor(v5, v10));
        v6 = TOps.Rotr7(TOps.Xor(v6, v11));
        v7 = TOps.Rotr7(TOps.Xor(v7, v8));
        v4 = TOps.Rotr7(TOps.Xor(v4, v9));
        // Round 6
        v0 = TOps.Add(TOps.Add(v0, v4), m9);
        v1 = TOps.Add(TOps.Add(v1, v5), m11);
        v2 = TOps.Add(TOps.Add(v2, v6), m8);
        v3 = TOps.Add(TOps.Add(v3, v7), m15);
        v12 = TOps.Rotr16(TOps.Xor(v12, v0));
        v13 = TOps.Rotr16(TOps.Xor(v13, v1));
        v14 = TOps.Rotr16(TOps.Xor(v14, v2));
        v15 = TOps.Rotr16(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr12(TOps.Xor(v4, v8));
        v5 = TOps.Rotr12(TOps.Xor(v5, v9));
        v6 = TOps.Rotr12(TOps.Xor(v6, v10));
        v7 = TOps.Rotr12(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v4), m14);
        v1 = TOps.Add(TOps.Add(v1, v5), m5);
        v2 = TOps.Add(TOps.Add(v2, v6), m12);
        v3 = TOps.Add(TOps.Add(v3, v7), m1);
        v12 = TOps.Rotr8(TOps.Xor(v12, v0));
        v13 = TOps.Rotr8(TOps.Xor(v13, v1));
        v14 = TOps.Rotr8(TOps.Xor(v14, v2));
        v15 = TOps.Rotr8(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr7(TOps.Xor(v4, v8));
        v5 = TOps.Rotr7(TOps.Xor(v5, v9));
        v6 = TOps.Rotr7(TOps.Xor(v6, v10));
        v7 = TOps.Rotr7(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v5), m13);
        v1 = TOps.Add(TOps.Add(v1, v6), m0);
        v2 = TOps.Add(TOps.Add(v2, v7), m2);
        v3 = TOps.Add(TOps.Add(v3, v4), m4);
        v15 = TOps.Rotr16(TOps.Xor(v15, v0));
        v12 = TOps.Rotr16(TOps.Xor(v12, v1));
        v13 = TOps.Rotr16(TOps.Xor(v13, v2));
        v14 = TOps.Rotr16(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr12(TOps.Xor(v5, v10));
        v6 = TOps.Rotr12(TOps.Xor(v6, v11));
        v7 = TOps.Rotr12(TOps.Xor(v7, v8));
        v4 = TOps.Rotr12(TOps.Xor(v4, v9));
        v0 = TOps.Add(TOps.Add(v0, v5), m3);
        v1 = TOps.Add(TOps.Add(v1, v6), m10);
        v2 = TOps.Add(TOps.Add(v2, v7), m6);
        v3 = TOps.Add(TOps.Add(v3, v4), m7);
        v15 = TOps.Rotr8(TOps.Xor(v15, v0));
        v12 = TOps.Rotr8(TOps.Xor(v12, v1));
        v13 = TOps.Rotr8(TOps.Xor(v13, v2));
        v14 = TOps.Rotr8(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr7(TOps.Xor(v5, v10));
        v6 = TOps.Rotr7(TOps.Xor(v6, v11));
        v7 = TOps.Rotr7(TOps.Xor(v7, v8));
        v4 = TOps.Rotr7(TOps.Xor(v4, v9));
        // Round 7
        v0 = TOps.Add(TOps.Add(v0, v4), m11);
        v1 = TOps.Add(TOps.Add(v1, v5), m5);
        v2 = TOps.Add(TOps.Add(v2, v6), m1);
        v3 = TOps.Add(TOps.Add(v3, v7), m8);
        v12 = TOps.Rotr16(TOps.Xor(v12, v0));
        v13 = TOps.Rotr16(TOps.Xor(v13, v1));
        v14 = TOps.Rotr16(TOps.Xor(v14, v2));
        v15 = TOps.Rotr16(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr12(TOps.Xor(v4, v8));
        v5 = TOps.Rotr12(TOps.Xor(v5, v9));
        v6 = TOps.Rotr12(TOps.Xor(v6, v10));
        v7 = TOps.Rotr12(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v4), m15);
        v1 = TOps.Add(TOps.Add(v1, v5), m0);
        v2 = TOps.Add(TOps.Add(v2, v6), m9);
        v3 = TOps.Add(TOps.Add(v3, v7), m6);
        v12 = TOps.Rotr8(TOps.Xor(v12, v0));
        v13 = TOps.Rotr8(TOps.Xor(v13, v1));
        v14 = TOps.Rotr8(TOps.Xor(v14, v2));
        v15 = TOps.Rotr8(TOps.Xor(v15, v3));
        v8 = TOps.Add(v8, v12);
        v9 = TOps.Add(v9, v13);
        v10 = TOps.Add(v10, v14);
        v11 = TOps.Add(v11, v15);
        v4 = TOps.Rotr7(TOps.Xor(v4, v8));
        v5 = TOps.Rotr7(TOps.Xor(v5, v9));
        v6 = TOps.Rotr7(TOps.Xor(v6, v10));
        v7 = TOps.Rotr7(TOps.Xor(v7, v11));
        v0 = TOps.Add(TOps.Add(v0, v5), m14);
        v1 = TOps.Add(TOps.Add(v1, v6), m2);
        v2 = TOps.Add(TOps.Add(v2, v7), m3);
        v3 = TOps.Add(TOps.Add(v3, v4), m7);
        v15 = TOps.Rotr16(TOps.Xor(v15, v0));
        v12 = TOps.Rotr16(TOps.Xor(v12, v1));
        v13 = TOps.Rotr16(TOps.Xor(v13, v2));
        v14 = TOps.Rotr16(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr12(TOps.Xor(v5, v10));
        v6 = TOps.Rotr12(TOps.Xor(v6, v11));
        v7 = TOps.Rotr12(TOps.Xor(v7, v8));
        v4 = TOps.Rotr12(TOps.Xor(v4, v9));
        v0 = TOps.Add(TOps.Add(v0, v5), m10);
        v1 = TOps.Add(TOps.Add(v1, v6), m12);
        v2 = TOps.Add(TOps.Add(v2, v7), m4);
        v3 = TOps.Add(TOps.Add(v3, v4), m13);
        v15 = TOps.Rotr8(TOps.Xor(v15, v0));
        v12 = TOps.Rotr8(TOps.Xor(v12, v1));
        v13 = TOps.Rotr8(TOps.Xor(v13, v2));
        v14 = TOps.Rotr8(TOps.Xor(v14, v3));
        v10 = TOps.Add(v10, v15);
        v11 = TOps.Add(v11, v12);
        v8 = TOps.Add(v8, v13);
        v9 = TOps.Add(v9, v14);
        v5 = TOps.Rotr7(TOps.Xor(v5, v10));
        v6 = TOps.Rotr7(TOps.Xor(v6, v11));
        v7 = TOps.Rotr7(TOps.Xor(v7, v8));
        v4 = TOps.Rotr7(TOps.Xor(v4, v9));

        cv = TOps.Xor(v0, v8);
        Unsafe.Add(ref cv, 1) = TOps.Xor(v1, v9);
        Unsafe.Add(ref cv, 2) = TOps.Xor(v2, v10);
        Unsafe.Add(ref cv, 3) = TOps.Xor(v3, v11);
        Unsafe.Add(ref cv, 4) = TOps.Xor(v4, v12);
        Unsafe.Add(ref cv, 5) = TOps.Xor(v5, v13);
        Unsafe.Add(ref cv, 6) = TOps.Xor(v6, v14);
        Unsafe.Add(ref cv, 7) = TOps.Xor(v7, v15);
    }
}
