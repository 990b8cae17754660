using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Verity.Algebra;

/// <summary>
/// Precomputed twiddles for every radix-2 stage up to a size: entry h + j holds ω_{2h}^j
/// (forward) or ω_{2h}^(−j) (inverse) for j &lt; h, h a power of two. A stage of half-size h reads
/// the contiguous run starting at h, whatever the transform size, so one table serves all sizes.
/// Tables only grow; a grown table replaces the shared one and the old one stays valid for
/// callers that still hold it.
/// </summary>
internal sealed unsafe class TwiddleTable
{
    /// <summary>
    /// Largest log2(half) that <see cref="Ntt"/> takes from a table (2^21 halves: 32 MiB per
    /// direction, enough for 2^22-point transforms); its larger stages compute their twiddles
    /// chunk by chunk. Tests lower it to exercise that path on small sizes. The low-degree
    /// extension always takes tables, up to its own size limit.
    /// </summary>
    internal static int MaxLogHalf = 21;

    private const int DefaultLogHalf = 21;

    private static TwiddleTable? s_current;
    private static readonly Lock s_growLock = new();

    // Pinned (allocated on the pinned object heap) so that kernels can hold raw pointers.
    private readonly ulong[] _forward;
    private readonly ulong[] _inverse;

    private TwiddleTable(int logHalf)
    {
        LogHalf = logHalf;
        int half = 1 << logHalf;
        _forward = GC.AllocateUninitializedArray<ulong>(2 * half, pinned: true);
        _inverse = GC.AllocateUninitializedArray<ulong>(2 * half, pinned: true);
        Forward = (ulong*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_forward));
        Inverse = (ulong*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_inverse));

        _forward[0] = _inverse[0] = 0; // unused
        FillPowers(new Span<ulong>(Forward + half, half), Goldilocks.RootOfUnity(logHalf + 1).Value);
        // ω_{2h}^j = ω_{4h}^(2j): each smaller stage is every other entry of the next one.
        for (int h = half >> 1; h >= 1; h >>= 1)
        {
            for (int j = 0; j < h; j++) Forward[h + j] = Forward[2 * h + 2 * j];
        }
        // ω^(−j) = ω^(2h − j) = −ω^(h − j), since ω_{2h}^h = −1.
        for (int h = 1; h <= half; h <<= 1)
        {
            Inverse[h] = 1;
            for (int j = 1; j < h; j++) Inverse[h + j] = Goldilocks.Modulus - Forward[2 * h - j];
        }
    }

    public int LogHalf { get; }

    /// <summary>Entry h + j is ω_{2h}^j.</summary>
    public ulong* Forward { get; }

    /// <summary>Entry h + j is ω_{2h}^(−j).</summary>
    public ulong* Inverse { get; }

    /// <summary>A table covering halves up to (at least) 2^logHalf.</summary>
    public static TwiddleTable ForLogHalf(int logHalf)
    {
        logHalf = System.Math.Max(logHalf, 0);
        TwiddleTable? table = Volatile.Read(ref s_current);
        if (table is not null && table.LogHalf >= logHalf) return table;
        lock (s_growLock)
        {
            table = s_current;
            if (table is null || table.LogHalf < logHalf)
            {
                // Grow at least 4× at a time (up to the usual sizes) so that a sweep of sizes
                // does not rebuild the table at every step.
                int target = System.Math.Min(table is null ? 11 : table.LogHalf + 2, DefaultLogHalf);
                table = new TwiddleTable(System.Math.Max(target, logHalf));
                Volatile.Write(ref s_current, table);
            }
            return table;
        }
    }

    /// <summary>destination[i] = root^i, with short independent multiplication chains.</summary>
    internal static void FillPowers(Span<ulong> destination, ulong root)
    {
        // Block powers times a small table keeps the multiplications independent (no long
        // latency chain): 2 multiplications per entry.
        const int Block = 256;
        int small = System.Math.Min(Block, destination.Length);
        ulong acc = 1;
        for (int i = 0; i < small; i++)
        {
            destination[i] = acc;
            acc = Goldilocks.MulRaw(acc, root);
        }
        ulong step = acc; // root^small
        ulong blockBase = step;
        for (int b = small; b < destination.Length; b += Block)
        {
            int count = System.Math.Min(Block, destination.Length - b);
            for (int i = 0; i < count; i++) destination[b + i] = Goldilocks.MulRaw(blockBase, destination[i]);
            blockBase = Goldilocks.MulRaw(blockBase, step);
        }
    }
}
