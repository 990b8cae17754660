using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Verity.Crypto;

/// <summary>
/// The vector operations the lane-parallel BLAKE3 needs, one implementation per vector width. Implementations
/// are structs so the JIT specializes and inlines every generic use.
/// </summary>
internal interface ILaneOps<TVec> where TVec : unmanaged
{
    static abstract int Lanes { get; }
    static abstract TVec Broadcast(uint value);
    static abstract TVec Add(TVec a, TVec b);
    static abstract TVec Xor(TVec a, TVec b);
    static abstract TVec And(TVec a, TVec b);
    static abstract TVec Rotr16(TVec x);
    static abstract TVec Rotr12(TVec x);
    static abstract TVec Rotr8(TVec x);
    static abstract TVec Rotr7(TVec x);

    /// <summary>
    /// Loads one 64-byte block per lane (lane l's at <c>src + l * stride</c>) and transposes it, so that
    /// <c>m[w]</c> holds message word w of every lane.
    /// </summary>
    static abstract void LoadTransposed(ref byte src, nint stride, ref TVec m);

    /// <summary>Transposes 8 chaining-value vectors back and writes each lane's 32 bytes contiguously to <paramref name="dst"/>.</summary>
    static abstract void StoreTransposed(ref TVec cv, ref byte dst);
}

/// <summary>16 lanes of AVX-512.</summary>
internal readonly struct Lanes512 : ILaneOps<Vector512<uint>>
{
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;
    public static int Lanes => 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Broadcast(uint value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Add(Vector512<uint> a, Vector512<uint> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Xor(Vector512<uint> a, Vector512<uint> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> And(Vector512<uint> a, Vector512<uint> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Rotr16(Vector512<uint> x) => Avx512F.RotateRight(x, 16);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Rotr12(Vector512<uint> x) => Avx512F.RotateRight(x, 12);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Rotr8(Vector512<uint> x) => Avx512F.RotateRight(x, 8);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Rotr7(Vector512<uint> x) => Avx512F.RotateRight(x, 7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Row(ref byte src, nint offset) =>
        Vector512.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref src, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Lo64(Vector512<uint> a, Vector512<uint> b) => Avx512F.UnpackLow(a.AsUInt64(), b.AsUInt64()).AsUInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Hi64(Vector512<uint> a, Vector512<uint> b) => Avx512F.UnpackHigh(a.AsUInt64(), b.AsUInt64()).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LoadTransposed(ref byte src, nint stride, ref Vector512<uint> m)
    {
        // 16x16 transpose of 32-bit words: interleave words, then word pairs, within each 128-bit block;
        // then a 4x4 transpose of the 128-bit blocks.
        for (int g = 0; g < 4; g++)
        {
            nint row = 4 * g * stride;
            Vector512<uint> r0 = Row(ref src, row), r1 = Row(ref src, row + stride);
            Vector512<uint> r2 = Row(ref src, row + 2 * stride), r3 = Row(ref src, row + 3 * stride);
            Vector512<uint> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
            Vector512<uint> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
            // Block k of Unsafe.Add(ref m, 4g + j) now holds word 4k + j of rows 4g..4g+3 (temporary placement).
            Unsafe.Add(ref m, 4 * g) = Lo64(t0, t2);
            Unsafe.Add(ref m, 4 * g + 1) = Hi64(t0, t2);
            Unsafe.Add(ref m, 4 * g + 2) = Lo64(t1, t3);
            Unsafe.Add(ref m, 4 * g + 3) = Hi64(t1, t3);
        }
        for (int j = 0; j < 4; j++)
        {
            Vector512<uint> a = Unsafe.Add(ref m, j), b = Unsafe.Add(ref m, 4 + j);
            Vector512<uint> c = Unsafe.Add(ref m, 8 + j), d = Unsafe.Add(ref m, 12 + j);
            Vector512<uint> p = Avx512F.Shuffle4x128(a, b, 0x88), q = Avx512F.Shuffle4x128(a, b, 0xDD);
            Vector512<uint> r = Avx512F.Shuffle4x128(c, d, 0x88), s = Avx512F.Shuffle4x128(c, d, 0xDD);
            Unsafe.Add(ref m, j) = Avx512F.Shuffle4x128(p, r, 0x88);
            Unsafe.Add(ref m, 4 + j) = Avx512F.Shuffle4x128(q, s, 0x88);
            Unsafe.Add(ref m, 8 + j) = Avx512F.Shuffle4x128(p, r, 0xDD);
            Unsafe.Add(ref m, 12 + j) = Avx512F.Shuffle4x128(q, s, 0xDD);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StoreTransposed(ref Vector512<uint> cv, ref byte dst)
    {
        Vector512<uint> c0 = cv, c1 = Unsafe.Add(ref cv, 1), c2 = Unsafe.Add(ref cv, 2), c3 = Unsafe.Add(ref cv, 3);
        Vector512<uint> c4 = Unsafe.Add(ref cv, 4), c5 = Unsafe.Add(ref cv, 5), c6 = Unsafe.Add(ref cv, 6), c7 = Unsafe.Add(ref cv, 7);
        Vector512<uint> t0 = Avx512F.UnpackLow(c0, c1), t1 = Avx512F.UnpackHigh(c0, c1);
        Vector512<uint> t2 = Avx512F.UnpackLow(c2, c3), t3 = Avx512F.UnpackHigh(c2, c3);
        Vector512<uint> t4 = Avx512F.UnpackLow(c4, c5), t5 = Avx512F.UnpackHigh(c4, c5);
        Vector512<uint> t6 = Avx512F.UnpackLow(c6, c7), t7 = Avx512F.UnpackHigh(c6, c7);
        // Block k of lowJ / highJ holds words 0..3 / 4..7 of lane 4k + j.
        Store(Lo64(t0, t2), Lo64(t4, t6), ref dst, 0);
        Store(Hi64(t0, t2), Hi64(t4, t6), ref dst, 1);
        Store(Lo64(t1, t3), Lo64(t5, t7), ref dst, 2);
        Store(Hi64(t1, t3), Hi64(t5, t7), ref dst, 3);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Store(Vector512<uint> low, Vector512<uint> high, ref byte dst, int j)
        {
            // p = [low.0, high.0, low.1, high.1] (lanes j, 4 + j), q = [low.2, high.2, low.3, high.3] (lanes 8 + j, 12 + j).
            Vector512<ulong> p = Avx512F.PermuteVar8x64x2(low.AsUInt64(), Vector512.Create(0ul, 1, 8, 9, 2, 3, 10, 11), high.AsUInt64());
            Vector512<ulong> q = Avx512F.PermuteVar8x64x2(low.AsUInt64(), Vector512.Create(4ul, 5, 12, 13, 6, 7, 14, 15), high.AsUInt64());
            p.GetLower().AsByte().StoreUnsafe(ref dst, (nuint)(32 * j));
            p.GetUpper().AsByte().StoreUnsafe(ref dst, (nuint)(32 * (4 + j)));
            q.GetLower().AsByte().StoreUnsafe(ref dst, (nuint)(32 * (8 + j)));
            q.GetUpper().AsByte().StoreUnsafe(ref dst, (nuint)(32 * (12 + j)));
        }
    }
}

/// <summary>8 lanes of AVX2 (with AVX-512VL rotates when available).</summary>
internal readonly struct Lanes256 : ILaneOps<Vector256<uint>>
{
    public static bool IsSupported => Avx2.IsSupported;
    public static int Lanes => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Broadcast(uint value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Add(Vector256<uint> a, Vector256<uint> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Xor(Vector256<uint> a, Vector256<uint> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> And(Vector256<uint> a, Vector256<uint> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Rotr16(Vector256<uint> x) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateRight(x, 16)
        : Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Rotr12(Vector256<uint> x) => Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 12) : (x >>> 12) | (x << 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Rotr8(Vector256<uint> x) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateRight(x, 8)
        : Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Rotr7(Vector256<uint> x) => Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 7) : (x >>> 7) | (x << 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Row(ref byte src, nint offset) =>
        Vector256.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref src, offset)));

    /// <summary>8x8 transpose of 32-bit words; output row i goes to <c>Unsafe.Add(ref o, i)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(
        Vector256<uint> r0, Vector256<uint> r1, Vector256<uint> r2, Vector256<uint> r3,
        Vector256<uint> r4, Vector256<uint> r5, Vector256<uint> r6, Vector256<uint> r7, ref Vector256<uint> o)
    {
        Vector256<ulong> t0 = Avx2.UnpackLow(r0, r1).AsUInt64(), t1 = Avx2.UnpackHigh(r0, r1).AsUInt64();
        Vector256<ulong> t2 = Avx2.UnpackLow(r2, r3).AsUInt64(), t3 = Avx2.UnpackHigh(r2, r3).AsUInt64();
        Vector256<ulong> t4 = Avx2.UnpackLow(r4, r5).AsUInt64(), t5 = Avx2.UnpackHigh(r4, r5).AsUInt64();
        Vector256<ulong> t6 = Avx2.UnpackLow(r6, r7).AsUInt64(), t7 = Avx2.UnpackHigh(r6, r7).AsUInt64();
        // uJ's 128-bit block k holds element 4k + j of rows 0..3 (u) or rows 4..7 (w).
        Vector256<uint> u0 = Avx2.UnpackLow(t0, t2).AsUInt32(), u1 = Avx2.UnpackHigh(t0, t2).AsUInt32();
        Vector256<uint> u2 = Avx2.UnpackLow(t1, t3).AsUInt32(), u3 = Avx2.UnpackHigh(t1, t3).AsUInt32();
        Vector256<uint> w0 = Avx2.UnpackLow(t4, t6).AsUInt32(), w1 = Avx2.UnpackHigh(t4, t6).AsUInt32();
        Vector256<uint> w2 = Avx2.UnpackLow(t5, t7).AsUInt32(), w3 = Avx2.UnpackHigh(t5, t7).AsUInt32();
        o = Avx2.Permute2x128(u0, w0, 0x20);
        Unsafe.Add(ref o, 1) = Avx2.Permute2x128(u1, w1, 0x20);
        Unsafe.Add(ref o, 2) = Avx2.Permute2x128(u2, w2, 0x20);
        Unsafe.Add(ref o, 3) = Avx2.Permute2x128(u3, w3, 0x20);
        Unsafe.Add(ref o, 4) = Avx2.Permute2x128(u0, w0, 0x31);
        Unsafe.Add(ref o, 5) = Avx2.Permute2x128(u1, w1, 0x31);
        Unsafe.Add(ref o, 6) = Avx2.Permute2x128(u2, w2, 0x31);
        Unsafe.Add(ref o, 7) = Avx2.Permute2x128(u3, w3, 0x31);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LoadTransposed(ref byte src, nint stride, ref Vector256<uint> m)
    {
        for (int h = 0; h < 2; h++)
        {
            ref byte s = ref Unsafe.Add(ref src, 32 * h);
            Transpose(Row(ref s, 0), Row(ref s, stride), Row(ref s, 2 * stride), Row(ref s, 3 * stride),
                Row(ref s, 4 * stride), Row(ref s, 5 * stride), Row(ref s, 6 * stride), Row(ref s, 7 * stride),
                ref Unsafe.Add(ref m, 8 * h));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StoreTransposed(ref Vector256<uint> cv, ref byte dst) =>
        Transpose(cv, Unsafe.Add(ref cv, 1), Unsafe.Add(ref cv, 2), Unsafe.Add(ref cv, 3),
            Unsafe.Add(ref cv, 4), Unsafe.Add(ref cv, 5), Unsafe.Add(ref cv, 6), Unsafe.Add(ref cv, 7),
            ref Unsafe.As<byte, Vector256<uint>>(ref dst));
}

/// <summary>4 lanes of SSE / AVX-512VL / Arm64 AdvSimd.</summary>
internal readonly struct Lanes128 : ILaneOps<Vector128<uint>>
{
    public static bool IsSupported => Ssse3.IsSupported || AdvSimd.Arm64.IsSupported;
    public static int Lanes => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Broadcast(uint value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Add(Vector128<uint> a, Vector128<uint> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Xor(Vector128<uint> a, Vector128<uint> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> And(Vector128<uint> a, Vector128<uint> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Rotr16(Vector128<uint> x) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateRight(x, 16)
        : Vector128.Shuffle(x.AsByte(), Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Rotr12(Vector128<uint> x) => Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 12) : (x >>> 12) | (x << 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Rotr8(Vector128<uint> x) => Avx512F.VL.IsSupported
        ? Avx512F.VL.RotateRight(x, 8)
        : Vector128.Shuffle(x.AsByte(), Vector128.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<uint> Rotr7(Vector128<uint> x) => Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, 7) : (x >>> 7) | (x << 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Row(ref byte src, nint offset) =>
        Vector128.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref src, offset)));

    /// <summary>4x4 transpose of 32-bit words; output row i goes to <c>Unsafe.Add(ref o, i * step)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(Vector128<uint> r0, Vector128<uint> r1, Vector128<uint> r2, Vector128<uint> r3, ref Vector128<uint> o, int step)
    {
        Vector128<uint> o0, o1, o2, o3;
        if (Sse2.IsSupported)
        {
            Vector128<ulong> t0 = Sse2.UnpackLow(r0, r1).AsUInt64(), t1 = Sse2.UnpackHigh(r0, r1).AsUInt64();
            Vector128<ulong> t2 = Sse2.UnpackLow(r2, r3).AsUInt64(), t3 = Sse2.UnpackHigh(r2, r3).AsUInt64();
            o0 = Sse2.UnpackLow(t0, t2).AsUInt32(); o1 = Sse2.UnpackHigh(t0, t2).AsUInt32();
            o2 = Sse2.UnpackLow(t1, t3).AsUInt32(); o3 = Sse2.UnpackHigh(t1, t3).AsUInt32();
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            Vector128<ulong> t0 = AdvSimd.Arm64.ZipLow(r0, r1).AsUInt64(), t1 = AdvSimd.Arm64.ZipHigh(r0, r1).AsUInt64();
            Vector128<ulong> t2 = AdvSimd.Arm64.ZipLow(r2, r3).AsUInt64(), t3 = AdvSimd.Arm64.ZipHigh(r2, r3).AsUInt64();
            o0 = AdvSimd.Arm64.ZipLow(t0, t2).AsUInt32(); o1 = AdvSimd.Arm64.ZipHigh(t0, t2).AsUInt32();
            o2 = AdvSimd.Arm64.ZipLow(t1, t3).AsUInt32(); o3 = AdvSimd.Arm64.ZipHigh(t1, t3).AsUInt32();
        }
        else
        {
            o0 = Vector128.Create(r0[0], r1[0], r2[0], r3[0]);
            o1 = Vector128.Create(r0[1], r1[1], r2[1], r3[1]);
            o2 = Vector128.Create(r0[2], r1[2], r2[2], r3[2]);
            o3 = Vector128.Create(r0[3], r1[3], r2[3], r3[3]);
        }
        o = o0;
        Unsafe.Add(ref o, step) = o1;
        Unsafe.Add(ref o, 2 * step) = o2;
        Unsafe.Add(ref o, 3 * step) = o3;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LoadTransposed(ref byte src, nint stride, ref Vector128<uint> m)
    {
        for (int q = 0; q < 4; q++)
        {
            ref byte s = ref Unsafe.Add(ref src, 16 * q);
            Transpose(Row(ref s, 0), Row(ref s, stride), Row(ref s, 2 * stride), Row(ref s, 3 * stride), ref Unsafe.Add(ref m, 4 * q), 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StoreTransposed(ref Vector128<uint> cv, ref byte dst)
    {
        ref Vector128<uint> o = ref Unsafe.As<byte, Vector128<uint>>(ref dst);
        Transpose(cv, Unsafe.Add(ref cv, 1), Unsafe.Add(ref cv, 2), Unsafe.Add(ref cv, 3), ref o, 2);
        Transpose(Unsafe.Add(ref cv, 4), Unsafe.Add(ref cv, 5), Unsafe.Add(ref cv, 6), Unsafe.Add(ref cv, 7), ref Unsafe.Add(ref o, 1), 2);
    }
}
