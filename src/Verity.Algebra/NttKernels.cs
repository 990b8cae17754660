using System.Buffers;
using System.Runtime.CompilerServices;

namespace Verity.Algebra;

/// <summary>
/// One radix-2 stage over a block of 2·half points: butterflies j ∈ [from, to) pair points j and
/// j + half with twiddle[j] = ω_{2·half}^(±j). A point is <see cref="RowSize"/> consecutive
/// ulongs: one value for a single column, or one value of each of several interleaved columns.
/// </summary>
internal unsafe interface IButterflyKernel
{
    static abstract int RowSize { get; }

    static abstract void Run(ulong* block, int half, ulong* twiddles, int from, int to);

    /// <summary>
    /// The two stages with halves 1 and 2 over <paramref name="points"/> consecutive points, fused
    /// (first for decimation in time, last for decimation in frequency). Their twiddles are 1
    /// except ω_4^(±1) = twiddles[3], so four points need one multiplication instead of four.
    /// </summary>
    static abstract void RunRadix4Edge(ulong* block, int points, ulong* twiddles);
}

/// <summary>
/// Gentleman–Sande (decimation in frequency) on one column: natural order in, bit-reversed out.
/// Vectorized along j; stages narrower than a vector run scalar.
/// </summary>
internal readonly unsafe struct ColumnDif<TOps, TV> : IButterflyKernel
    where TOps : struct, ILaneOps<TV>
    where TV : struct
{
    public static int RowSize => 1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ulong* block, int half, ulong* twiddles, int from, int to)
    {
        ulong* a = block;
        ulong* b = block + half;
        int lanes = TOps.Lanes;
        if (half < lanes)
        {
            for (int j = from; j < to; j++)
            {
                ulong x = a[j], y = b[j];
                a[j] = Goldilocks.AddRaw(x, y);
                b[j] = Goldilocks.MulRaw(Goldilocks.SubRaw(x, y), twiddles[j]);
            }
            return;
        }
        for (int j = from; j < to; j += lanes)
        {
            TV w = TOps.Load(twiddles + j);
            TV x = TOps.Load(a + j), y = TOps.Load(b + j);
            TOps.Store(a + j, TOps.Add(x, y));
            TOps.Store(b + j, TOps.Mul(TOps.Sub(x, y), w, TOps.High(w)));
        }
    }

    public static void RunRadix4Edge(ulong* block, int points, ulong* twiddles)
        => BatchDif<ScalarLanes, ulong>.RunRadix4Edge(block, points, twiddles);
}

/// <summary>Gentleman–Sande over rows of <c>TOps.Lanes</c> interleaved columns (one vector per row).</summary>
internal readonly unsafe struct BatchDif<TOps, TV> : IButterflyKernel
    where TOps : struct, ILaneOps<TV>
    where TV : struct
{
    public static int RowSize => TOps.Lanes;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ulong* block, int half, ulong* twiddles, int from, int to)
    {
        int lanes = TOps.Lanes;
        ulong* a = block + (nint)from * lanes;
        ulong* b = a + (nint)half * lanes;
        if (from == 0 && to > 0)
        {
            // ω^0 = 1: no multiplication.
            TV x = TOps.Load(a), y = TOps.Load(b);
            TOps.Store(a, TOps.Add(x, y));
            TOps.Store(b, TOps.Sub(x, y));
            from = 1;
            a += lanes;
            b += lanes;
        }
        for (int j = from; j < to; j++, a += lanes, b += lanes)
        {
            TV x = TOps.Load(a), y = TOps.Load(b);
            TOps.Store(a, TOps.Add(x, y));
            TOps.Store(b, TOps.Mul(TOps.Sub(x, y), TOps.BroadcastFrom(twiddles + j), TOps.BroadcastHighFrom(twiddles + j)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRadix4Edge(ulong* block, int points, ulong* twiddles)
    {
        int lanes = TOps.Lanes;
        ulong w = twiddles[3];
        TV w4 = TOps.Broadcast(w), w4High = TOps.Broadcast(w >> 32);
        ulong* end = block + (nint)points * lanes;
        for (ulong* p = block; p < end; p += 4 * lanes)
        {
            TV x0 = TOps.Load(p), x1 = TOps.Load(p + lanes), x2 = TOps.Load(p + 2 * lanes), x3 = TOps.Load(p + 3 * lanes);
            // Half 2: (x0, x2) with 1, (x1, x3) with ω_4.
            TV y0 = TOps.Add(x0, x2), y2 = TOps.Sub(x0, x2);
            TV y1 = TOps.Add(x1, x3), y3 = TOps.Mul(TOps.Sub(x1, x3), w4, w4High);
            // Half 1: (y0, y1) and (y2, y3) with 1.
            TOps.Store(p, TOps.Add(y0, y1));
            TOps.Store(p + lanes, TOps.Sub(y0, y1));
            TOps.Store(p + 2 * lanes, TOps.Add(y2, y3));
            TOps.Store(p + 3 * lanes, TOps.Sub(y2, y3));
        }
    }
}

/// <summary>Cooley–Tukey (decimation in time) over rows of interleaved columns: bit-reversed in, natural out.</summary>
internal readonly unsafe struct BatchDit<TOps, TV> : IButterflyKernel
    where TOps : struct, ILaneOps<TV>
    where TV : struct
{
    public static int RowSize => TOps.Lanes;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ulong* block, int half, ulong* twiddles, int from, int to)
    {
        int lanes = TOps.Lanes;
        ulong* a = block + (nint)from * lanes;
        ulong* b = a + (nint)half * lanes;
        if (from == 0 && to > 0)
        {
            // ω^0 = 1: no multiplication.
            TV x = TOps.Load(a), y = TOps.Load(b);
            TOps.Store(a, TOps.Add(x, y));
            TOps.Store(b, TOps.Sub(x, y));
            from = 1;
            a += lanes;
            b += lanes;
        }
        for (int j = from; j < to; j++, a += lanes, b += lanes)
        {
            TV x = TOps.Load(a);
            TV y = TOps.Mul(TOps.Load(b), TOps.BroadcastFrom(twiddles + j), TOps.BroadcastHighFrom(twiddles + j));
            TOps.Store(a, TOps.Add(x, y));
            TOps.Store(b, TOps.Sub(x, y));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRadix4Edge(ulong* block, int points, ulong* twiddles)
    {
        int lanes = TOps.Lanes;
        ulong w = twiddles[3];
        TV w4 = TOps.Broadcast(w), w4High = TOps.Broadcast(w >> 32);
        ulong* end = block + (nint)points * lanes;
        for (ulong* p = block; p < end; p += 4 * lanes)
        {
            TV x0 = TOps.Load(p), x1 = TOps.Load(p + lanes), x2 = TOps.Load(p + 2 * lanes), x3 = TOps.Load(p + 3 * lanes);
            // Half 1: (x0, x1) and (x2, x3) with 1.
            TV y0 = TOps.Add(x0, x1), y1 = TOps.Sub(x0, x1);
            TV y2 = TOps.Add(x2, x3), y3 = TOps.Mul(TOps.Sub(x2, x3), w4, w4High);
            // Half 2: (y0, y2) with 1, (y1, y3) with ω_4 (applied above).
            TOps.Store(p, TOps.Add(y0, y2));
            TOps.Store(p + 2 * lanes, TOps.Sub(y0, y2));
            TOps.Store(p + lanes, TOps.Add(y1, y3));
            TOps.Store(p + 3 * lanes, TOps.Sub(y1, y3));
        }
    }

    /// <summary>
    /// <see cref="RunRadix4Edge"/> reading row m from <paramref name="source"/> scaled by
    /// factors[m] and writing to <paramref name="destination"/>: saves a separate scaling pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRadix4EdgeScaled(ulong* source, ulong* destination, ulong* factors, int points, ulong* twiddles)
    {
        int lanes = TOps.Lanes;
        ulong w = twiddles[3];
        TV w4 = TOps.Broadcast(w), w4High = TOps.Broadcast(w >> 32);
        for (int m = 0; m < points; m += 4)
        {
            ulong* s = source + (nint)m * lanes;
            ulong* p = destination + (nint)m * lanes;
            ulong f0 = factors[m], f1 = factors[m + 1], f2 = factors[m + 2], f3 = factors[m + 3];
            TV x0 = TOps.Mul(TOps.Load(s), TOps.Broadcast(f0), TOps.Broadcast(f0 >> 32));
            TV x1 = TOps.Mul(TOps.Load(s + lanes), TOps.Broadcast(f1), TOps.Broadcast(f1 >> 32));
            TV x2 = TOps.Mul(TOps.Load(s + 2 * lanes), TOps.Broadcast(f2), TOps.Broadcast(f2 >> 32));
            TV x3 = TOps.Mul(TOps.Load(s + 3 * lanes), TOps.Broadcast(f3), TOps.Broadcast(f3 >> 32));
            TV y0 = TOps.Add(x0, x1), y1 = TOps.Sub(x0, x1);
            TV y2 = TOps.Add(x2, x3), y3 = TOps.Mul(TOps.Sub(x2, x3), w4, w4High);
            TOps.Store(p, TOps.Add(y0, y2));
            TOps.Store(p + 2 * lanes, TOps.Sub(y0, y2));
            TOps.Store(p + lanes, TOps.Add(y1, y3));
            TOps.Store(p + 3 * lanes, TOps.Sub(y1, y3));
        }
    }
}

/// <summary>
/// Stage schedules. <see cref="Dif"/> (single columns) is recursive: a transform larger than
/// <see cref="BlockBytes"/> does one stage over the whole block and recurses into the halves
/// (depth first), so that once a sub-problem fits in the L2 cache all its remaining stages run
/// there. The block and slice passes serve the low-degree extension, which schedules them itself.
/// </summary>
internal static unsafe class NttDriver
{
    /// <summary>Sub-problems up to this size run all their stages in one iterative sweep.</summary>
    internal const int BlockBytes = 1 << 18;

    /// <summary>Butterflies per parallel work item and per on-the-fly twiddle chunk.</summary>
    private const int Chunk = 1 << 12;

    /// <summary>All stages with half = n/2 down to 1 (natural in, bit-reversed out).</summary>
    public static void Dif<TK>(ulong* x, int logN, TwiddleTable table, bool inverse, int threads)
        where TK : struct, IButterflyKernel
    {
        if (logN == 0) return;
        int n = 1 << logN;
        if ((long)n * TK.RowSize * sizeof(ulong) <= BlockBytes && logN - 1 <= LimitLogHalf(table))
        {
            DifBlock<TK>(x, logN, inverse ? table.Inverse : table.Forward);
            return;
        }
        int half = n >> 1;
        Stage<TK>(x, half, table, inverse, threads);
        ulong* upper = x + (nint)half * TK.RowSize;
        if (threads > 1)
        {
            nint lo = (nint)x, hi = (nint)upper;
            int t = threads / 2;
            Parallel.Invoke(
                () => Dif<TK>((ulong*)lo, logN - 1, table, inverse, t),
                () => Dif<TK>((ulong*)hi, logN - 1, table, inverse, threads - t));
        }
        else
        {
            Dif<TK>(x, logN - 1, table, inverse, 1);
            Dif<TK>(upper, logN - 1, table, inverse, 1);
        }
    }

    private static int LimitLogHalf(TwiddleTable table) => System.Math.Min(table.LogHalf, TwiddleTable.MaxLogHalf);

    /// <summary>One stage over a block of 2·half points, split across threads when asked.</summary>
    public static void Stage<TK>(ulong* x, int half, TwiddleTable table, bool inverse, int threads)
        where TK : struct, IButterflyKernel
    {
        int logHalf = System.Numerics.BitOperations.Log2((uint)half);
        int chunks = threads > 1 ? System.Math.Max(1, half / Chunk) : 1;
        if (logHalf <= LimitLogHalf(table))
        {
            ulong* tw = (inverse ? table.Inverse : table.Forward) + half;
            if (chunks == 1)
            {
                TK.Run(x, half, tw, 0, half);
                return;
            }
            nint px = (nint)x, ptw = (nint)tw;
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
            {
                int from = (int)((long)half * c / chunks), to = (int)((long)half * (c + 1) / chunks);
                TK.Run((ulong*)px, half, (ulong*)ptw, from, to);
            });
            return;
        }

        // Beyond the table: ω^(j0 + i) = ω^j0 · ω^i with ω^i (i < Chunk) computed once per stage.
        ulong root = Goldilocks.RootOfUnity(logHalf + 1).Value;
        if (inverse) root = new Goldilocks(root).Inverse().Value;
        int chunk = System.Math.Min(Chunk, half);
        ulong[] low = new ulong[chunk];
        TwiddleTable.FillPowers(low, root);
        int count = half / chunk;
        nint pxl = (nint)x;
        Action<int> body = c =>
        {
            ulong[] buffer = ArrayPool<ulong>.Shared.Rent(chunk);
            int from = c * chunk;
            ulong start = new Goldilocks(root).Pow((ulong)from).Value;
            for (int i = 0; i < chunk; i++) buffer[i] = Goldilocks.MulRaw(start, low[i]);
            fixed (ulong* b = buffer) TK.Run((ulong*)pxl, half, b - from, from, from + chunk);
            ArrayPool<ulong>.Shared.Return(buffer);
        };
        if (threads > 1) Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
        else for (int c = 0; c < count; c++) body(c);
    }

    /// <summary>
    /// Decimation-in-time stages with half-sizes 2^logLow … n/2 restricted to the points whose
    /// index mod 2^logLow lies in [from, to). Those stages never mix points of different residues,
    /// so a slice is an independent piece of work whose working set is (to − from)·n/2^logLow points:
    /// the upper stages of a large transform then run in cache, one slice after another.
    /// Point r is stored at r + (r >> logLow)·pad: padding between blocks of 2^logLow points keeps
    /// the runs of a slice, which are 2^logLow points apart, from landing in the same cache sets.
    /// Only batch kernels (whose half is just a pointer distance) may be used with pad ≠ 0.
    /// </summary>
    public static void DitSlice<TK>(ulong* x, int logN, int logLow, int from, int to, int pad, ulong* twiddles)
        where TK : struct, IButterflyKernel
    {
        int n = 1 << logN, step = 1 << logLow, width = to - from;
        for (int s = logLow; s < logN; s++)
        {
            int h = 1 << s;
            int distance = h + (h >> logLow) * pad;
            for (int b = 0; b < n; b += 2 * h)
            {
                for (int j = from; j < h; j += step)
                {
                    // Shift the base so that base + j lands on the padded position of point b + j.
                    nint shift = (nint)((b + j) >> logLow) * pad + b;
                    TK.Run(x + shift * TK.RowSize, distance, twiddles + h, j, j + width);
                }
            }
        }
    }

    /// <summary>The decimation-in-frequency counterpart of <see cref="DitSlice"/> (stages in descending order).</summary>
    public static void DifSlice<TK>(ulong* x, int logN, int logLow, int from, int to, int pad, ulong* twiddles)
        where TK : struct, IButterflyKernel
    {
        int n = 1 << logN, step = 1 << logLow, width = to - from;
        for (int s = logN - 1; s >= logLow; s--)
        {
            int h = 1 << s;
            int distance = h + (h >> logLow) * pad;
            for (int b = 0; b < n; b += 2 * h)
            {
                for (int j = from; j < h; j += step)
                {
                    nint shift = (nint)((b + j) >> logLow) * pad + b;
                    TK.Run(x + shift * TK.RowSize, distance, twiddles + h, j, j + width);
                }
            }
        }
    }

    /// <summary>
    /// The decimation-in-time stages of one contiguous block of 2^logN points with halves
    /// 2^logFirstHalf … 2^(logN−1) (all of them by default).
    /// </summary>
    public static void DitBlock<TK>(ulong* x, int logN, ulong* twiddles, int logFirstHalf = 0)
        where TK : struct, IButterflyKernel
    {
        int n = 1 << logN;
        int h = 1 << logFirstHalf;
        if (logFirstHalf == 0 && logN >= 2)
        {
            TK.RunRadix4Edge(x, n, twiddles);
            h = 4;
        }
        for (; h < n; h <<= 1)
        {
            for (int b = 0; b < n; b += 2 * h) TK.Run(x + (nint)b * TK.RowSize, h, twiddles + h, 0, h);
        }
    }

    /// <summary>All decimation-in-frequency stages of one contiguous block of 2^logN points.</summary>
    public static void DifBlock<TK>(ulong* x, int logN, ulong* twiddles)
        where TK : struct, IButterflyKernel
    {
        int n = 1 << logN;
        int last = logN >= 2 ? 4 : 1;
        for (int h = n >> 1; h >= last; h >>= 1)
        {
            for (int b = 0; b < n; b += 2 * h) TK.Run(x + (nint)b * TK.RowSize, h, twiddles + h, 0, h);
        }
        if (logN >= 2) TK.RunRadix4Edge(x, n, twiddles);
    }
}
