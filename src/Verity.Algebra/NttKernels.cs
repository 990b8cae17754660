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
        for (int j = from; j < to; j++, a += lanes, b += lanes)
        {
            ulong w = twiddles[j];
            TV x = TOps.Load(a), y = TOps.Load(b);
            TOps.Store(a, TOps.Add(x, y));
            TOps.Store(b, TOps.Mul(TOps.Sub(x, y), TOps.Broadcast(w), TOps.Broadcast(w >> 32)));
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
        for (int j = from; j < to; j++, a += lanes, b += lanes)
        {
            ulong w = twiddles[j];
            TV x = TOps.Load(a);
            TV y = TOps.Mul(TOps.Load(b), TOps.Broadcast(w), TOps.Broadcast(w >> 32));
            TOps.Store(a, TOps.Add(x, y));
            TOps.Store(b, TOps.Sub(x, y));
        }
    }
}

/// <summary>
/// Recursive drivers. A transform larger than <see cref="BlockBytes"/> does one stage over the
/// whole block and recurses into the halves (depth first), so that once a sub-problem fits in
/// the L2 cache all its remaining stages run there.
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
            ulong* tw = inverse ? table.Inverse : table.Forward;
            for (int h = n >> 1; h >= 1; h >>= 1)
            {
                for (int s = 0; s < n; s += 2 * h) TK.Run(x + (nint)s * TK.RowSize, h, tw + h, 0, h);
            }
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

    /// <summary>Stages with half = 2^logMinHalf up to n/2 (blocks of 2^logMinHalf already transformed).</summary>
    public static void Dit<TK>(ulong* x, int logN, int logMinHalf, TwiddleTable table, bool inverse, int threads)
        where TK : struct, IButterflyKernel
    {
        if (logN <= logMinHalf) return;
        int n = 1 << logN;
        if ((long)n * TK.RowSize * sizeof(ulong) <= BlockBytes && logN - 1 <= LimitLogHalf(table))
        {
            ulong* tw = inverse ? table.Inverse : table.Forward;
            for (int h = 1 << logMinHalf; h < n; h <<= 1)
            {
                for (int s = 0; s < n; s += 2 * h) TK.Run(x + (nint)s * TK.RowSize, h, tw + h, 0, h);
            }
            return;
        }
        int half = n >> 1;
        ulong* upper = x + (nint)half * TK.RowSize;
        if (threads > 1)
        {
            nint lo = (nint)x, hi = (nint)upper;
            int t = threads / 2;
            Parallel.Invoke(
                () => Dit<TK>((ulong*)lo, logN - 1, logMinHalf, table, inverse, t),
                () => Dit<TK>((ulong*)hi, logN - 1, logMinHalf, table, inverse, threads - t));
        }
        else
        {
            Dit<TK>(x, logN - 1, logMinHalf, table, inverse, 1);
            Dit<TK>(upper, logN - 1, logMinHalf, table, inverse, 1);
        }
        Stage<TK>(x, half, table, inverse, threads);
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
    /// </summary>
    public static void DitSlice<TK>(ulong* x, int logN, int logLow, int from, int to, ulong* twiddles)
        where TK : struct, IButterflyKernel
    {
        int n = 1 << logN, step = 1 << logLow, width = to - from;
        for (int s = logLow; s < logN; s++)
        {
            int h = 1 << s;
            for (int b = 0; b < n; b += 2 * h)
            {
                ulong* block = x + (nint)b * TK.RowSize;
                for (int j = from; j < h; j += step) TK.Run(block, h, twiddles + h, j, j + width);
            }
        }
    }

    /// <summary>The decimation-in-frequency counterpart of <see cref="DitSlice"/> (stages in descending order).</summary>
    public static void DifSlice<TK>(ulong* x, int logN, int logLow, int from, int to, ulong* twiddles)
        where TK : struct, IButterflyKernel
    {
        int n = 1 << logN, step = 1 << logLow, width = to - from;
        for (int s = logN - 1; s >= logLow; s--)
        {
            int h = 1 << s;
            for (int b = 0; b < n; b += 2 * h)
            {
                ulong* block = x + (nint)b * TK.RowSize;
                for (int j = from; j < h; j += step) TK.Run(block, h, twiddles + h, j, j + width);
            }
        }
    }

    /// <summary>All decimation-in-time stages of one contiguous block of 2^logN points (halves 1 … 2^(logN−1)).</summary>
    public static void DitBlock<TK>(ulong* x, int logN, ulong* twiddles)
        where TK : struct, IButterflyKernel
    {
        int n = 1 << logN;
        for (int h = 1; h < n; h <<= 1)
        {
            for (int b = 0; b < n; b += 2 * h) TK.Run(x + (nint)b * TK.RowSize, h, twiddles + h, 0, h);
        }
    }

    /// <summary>All decimation-in-frequency stages of one contiguous block of 2^logN points.</summary>
    public static void DifBlock<TK>(ulong* x, int logN, ulong* twiddles)
        where TK : struct, IButterflyKernel
    {
        int n = 1 << logN;
        for (int h = n >> 1; h >= 1; h >>= 1)
        {
            for (int b = 0; b < n; b += 2 * h) TK.Run(x + (nint)b * TK.RowSize, h, twiddles + h, 0, h);
        }
    }
}
