using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Verity.Algebra;

/// <summary>Bit-reversal helpers for the radix-2 transforms.</summary>
internal static unsafe class BitReversal
{
    /// <summary>The low <paramref name="bits"/> bits of <paramref name="value"/>, reversed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Reverse(int value, int bits)
    {
        uint v = (uint)value;
        v = ((v >> 1) & 0x5555_5555u) | ((v & 0x5555_5555u) << 1);
        v = ((v >> 2) & 0x3333_3333u) | ((v & 0x3333_3333u) << 2);
        v = ((v >> 4) & 0x0F0F_0F0Fu) | ((v & 0x0F0F_0F0Fu) << 4);
        v = BinaryPrimitives.ReverseEndianness(v);
        // A shift by 32 would be taken mod 32 in C#, so bits = 0 is special.
        return bits == 0 ? 0 : (int)(v >> (32 - bits));
    }

    private static ReadOnlySpan<byte> Reverse3 => [0, 4, 2, 6, 1, 5, 3, 7];

    /// <summary>
    /// Permutes x[i] ↔ x[reverse(i)] in place. For n ≥ 64 the index is split as
    /// (a: 3 bits | b | c: 3 bits), whose reversal is (rev c | rev b | rev a): the 8×8 tiles for b and
    /// rev b are swapped together, so every cache line loaded is used in full.
    /// </summary>
    public static void Permute(ulong* x, int logN, int threads)
    {
        if (logN < 6)
        {
            int n = 1 << logN;
            for (int i = 0; i < n; i++)
            {
                int j = Reverse(i, logN);
                if (i < j) (x[i], x[j]) = (x[j], x[i]);
            }
            return;
        }
        int middleBits = logN - 6;
        int tiles = 1 << middleBits;
        if (threads > 1 && tiles >= 64)
        {
            nint px = (nint)x;
            int items = threads * 8;
            Parallel.For(0, items, new ParallelOptions { MaxDegreeOfParallelism = threads },
                item => PermuteTiles((ulong*)px, logN, (int)((long)tiles * item / items), (int)((long)tiles * (item + 1) / items)));
        }
        else
        {
            PermuteTiles(x, logN, 0, tiles);
        }
    }

    private static void PermuteTiles(ulong* x, int logN, int fromTile, int toTile)
    {
        int middleBits = logN - 6;
        int highShift = logN - 3;
        ReadOnlySpan<byte> rev3 = Reverse3;
        for (int b = fromTile; b < toTile; b++)
        {
            int rb = Reverse(b, middleBits);
            if (rb < b) continue;
            for (int a = 0; a < 8; a++)
            {
                ulong* src = x + (((nint)a << highShift) | ((nint)b << 3));
                nint dstLow = ((nint)rb << 3) | rev3[a];
                for (int c = 0; c < 8; c++)
                {
                    ulong* dst = x + (((nint)rev3[c] << highShift) | dstLow);
                    // Within a self-paired tile each pair would otherwise be swapped twice.
                    if (rb == b && dst <= src + c) continue;
                    (src[c], *dst) = (*dst, src[c]);
                }
            }
        }
    }
}
