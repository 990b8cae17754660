using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Verity.Algebra;

/// <summary>Low-degree extension of batches of columns onto a larger coset, in parallel.</summary>
/// <remarks>
/// Columns are processed in groups of one SIMD register's width (8 with AVX-512), interleaved
/// in a scratch buffer so that a butterfly works on the same row of every column of the group
/// with one broadcast twiddle. Per group:
/// <list type="number">
/// <item>gather the n values row by row;</item>
/// <item>inverse NTT by decimation in frequency: coefficient k lands in row bitrev_n(k);</item>
/// <item>scale row m by shift^bitrev(m)/n and copy it to rows m·B … m·B + B − 1: zero-padding the
///   coefficients to N = n·B and placing them in bit-reversed order for N means row m·B holds
///   coefficient bitrev_n(m), and the first log B stages of a decimation-in-time transform turn
///   each block [c, 0, …, 0] into [c, c, …, c];</item>
/// <item>the remaining log n decimation-in-time stages give natural-order evaluations;</item>
/// <item>copy the group's columns into the row-major result.</item>
/// </list>
/// No bit-reversal pass is needed, and the padded zeros are never transformed.
/// </remarks>
public static unsafe class LowDegreeExtension
{
    /// <summary>
    /// Interpolates each column (n evaluations at ω_n^i) and evaluates it at shift·ω_{n·blowup}^i.
    /// Returns the extension as a row-major matrix of height n·blowup and width columns.Count.
    /// When <paramref name="coefficients"/> is given, it receives each column's n coefficients.
    /// </summary>
    public static RowMajorMatrix Extend(IReadOnlyList<Goldilocks[]> columns, int blowup, Goldilocks shift, Goldilocks[][]? coefficients = null)
    {
        int logN = Validate(columns, blowup, nameof(columns));
        if (coefficients is not null && coefficients.Length != columns.Count)
            throw new ArgumentException($"coefficients must have one slot per column ({columns.Count}), but has {coefficients.Length}.", nameof(coefficients));
        return Run(columns, logN, blowup, shift, interpolate: true, coefficients);
    }

    /// <summary>Same as <see cref="Extend"/> but the inputs are already coefficients (length n each).</summary>
    public static RowMajorMatrix ExtendCoefficients(IReadOnlyList<Goldilocks[]> coefficients, int blowup, Goldilocks shift)
    {
        int logN = Validate(coefficients, blowup, nameof(coefficients));
        return Run(coefficients, logN, blowup, shift, interpolate: false, null);
    }

    private static int Validate(IReadOnlyList<Goldilocks[]> columns, int blowup, string paramName)
    {
        ArgumentNullException.ThrowIfNull(columns, paramName);
        if (columns.Count == 0) throw new ArgumentException("At least one column is required.", paramName);
        Goldilocks[]? first = columns[0] ?? throw new ArgumentException("Column 0 is null.", paramName);
        int n = first.Length;
        for (int c = 1; c < columns.Count; c++)
        {
            Goldilocks[]? column = columns[c] ?? throw new ArgumentException($"Column {c} is null.", paramName);
            if (column.Length != n)
                throw new ArgumentException($"All columns must have the same length: column 0 has {n} values, column {c} has {column.Length}.", paramName);
        }
        if (n == 0 || !BitOperations.IsPow2(n))
            throw new ArgumentException($"Column length must be a power of two (1, 2, 4, …), got {n}.", paramName);
        if (blowup <= 0 || !BitOperations.IsPow2(blowup))
            throw new ArgumentOutOfRangeException(nameof(blowup), blowup, "The blowup factor must be a power of two (1, 2, 4, …).");
        long height = (long)n * blowup;
        if (height > 1 << 30)
            throw new ArgumentOutOfRangeException(nameof(blowup), blowup, $"The extension would have {height} rows; at most 2^30 are supported.");
        if (height * columns.Count > Array.MaxLength)
            throw new ArgumentException($"The extension of {columns.Count} columns to {height} rows exceeds the largest array .NET can allocate.", paramName);
        return BitOperations.Log2((uint)n);
    }

    private static RowMajorMatrix Run(IReadOnlyList<Goldilocks[]> columns, int logN, int blowup, Goldilocks shift, bool interpolate, Goldilocks[][]? coefficients)
    {
        int n = 1 << logN;
        int width = columns.Count;
        var result = new RowMajorMatrix(width, n * blowup);
        if (coefficients is not null)
        {
            for (int c = 0; c < width; c++) coefficients[c] = GC.AllocateUninitializedArray<Goldilocks>(n);
        }

        // factors[m] = shift^bitrev(m) (÷ n when interpolating), the scale of row m before it is spread.
        ulong[] factors = GC.AllocateUninitializedArray<ulong>(n, pinned: true);
        ulong scale = interpolate ? Ntt.InverseOfPowerOfTwo(logN) : 1;
        int threads = Environment.ProcessorCount;
        fixed (ulong* f = factors)
        {
            new Span<ulong>(f, n).Fill(1);
            Ntt.ScaleByPowers(f, n, scale, shift.Value, n >= 1 << 16 ? threads : 1);
            BitReversal.Permute(f, logN, n >= 1 << 16 ? threads : 1);
        }

        var job = new Job(columns, logN, BitOperations.Log2((uint)blowup), interpolate, coefficients, factors, result);
        if (Vector512Lanes.IsSupported) job.Run<Vector512Lanes, Vector512<ulong>>(threads);
        else if (Vector256Lanes.IsSupported) job.Run<Vector256Lanes, Vector256<ulong>>(threads);
        else job.Run<ScalarLanes, ulong>(threads);
        return result;
    }

    private sealed class Job(IReadOnlyList<Goldilocks[]> columns, int logN, int logBlowup, bool interpolate,
        Goldilocks[][]? coefficients, ulong[] factors, RowMajorMatrix result)
    {
        private readonly int _n = 1 << logN;
        private readonly int _logTotal = logN + logBlowup;
        private readonly int _width = columns.Count;
        private TwiddleTable _table = null!;

        public void Run<TOps, TV>(int threads)
            where TOps : struct, ILaneOps<TV>
            where TV : struct
        {
            _table = TwiddleTable.ForLogHalf(_logTotal - 1);
            int lanes = TOps.Lanes;
            int groups = (_width + lanes - 1) / lanes;
            long scratchLength = (long)lanes << _logTotal;
            // Tiny extensions are not worth a fork/join.
            if (threads > 1 && ((long)_width << _logTotal) < 1 << 15) threads = 1;

            if (threads > 1 && groups >= threads)
            {
                Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = threads },
                    () => ArrayPool<ulong>.Shared.Rent((int)scratchLength),
                    (g, _, scratch) =>
                    {
                        Group<TOps, TV>(g, scratch, threads: 1);
                        return scratch;
                    },
                    scratch => ArrayPool<ulong>.Shared.Return(scratch));
            }
            else
            {
                ulong[] scratch = ArrayPool<ulong>.Shared.Rent((int)scratchLength);
                for (int g = 0; g < groups; g++) Group<TOps, TV>(g, scratch, threads);
                ArrayPool<ulong>.Shared.Return(scratch);
            }
            GC.KeepAlive(_table);
        }

        private void Group<TOps, TV>(int group, ulong[] scratch, int threads)
            where TOps : struct, ILaneOps<TV>
            where TV : struct
        {
            int lanes = TOps.Lanes;
            int c0 = group * lanes;
            int count = System.Math.Min(lanes, _width - c0);
            fixed (ulong* s = scratch)
            {
                nint ps = (nint)s;
                var sw = System.Diagnostics.Stopwatch.StartNew();
                For(_n, threads, (from, to) => Gather((ulong*)ps, lanes, c0, count, from, to));
                if (interpolate)
                {
                    NttDriver.Dif<BatchDif<TOps, TV>>(s, logN, _table, inverse: true, threads);
                    if (coefficients is not null)
                    {
                        ulong nInv = Ntt.InverseOfPowerOfTwo(logN);
                        For(_n, threads, (from, to) => ScatterCoefficients((ulong*)ps, lanes, c0, count, nInv, from, to));
                    }
                }
                var t1 = sw.Elapsed.TotalMilliseconds;
                Spread<TOps, TV>(s, threads);
                var t2 = sw.Elapsed.TotalMilliseconds;
                NttDriver.Dit<BatchDit<TOps, TV>>(s, _logTotal, logBlowup, _table, inverse: false, threads);
                var t3 = sw.Elapsed.TotalMilliseconds;
                For(1 << _logTotal, threads, (from, to) => CopyOut<TOps, TV>((ulong*)ps, c0, count, from, to));
                var t4 = sw.Elapsed.TotalMilliseconds;
                if (group == 0) Console.WriteLine($"gather+dif {t1:F1} spread {t2-t1:F1} dit {t3-t2:F1} copy {t4-t3:F1}");
            }
        }

        /// <summary>Runs body over [0, length) in contiguous slices, on several threads when asked.</summary>
        private static void For(int length, int threads, Action<int, int> body)
        {
            if (threads <= 1 || length < 1 << 12)
            {
                body(0, length);
                return;
            }
            int items = threads * 4;
            Parallel.For(0, items, new ParallelOptions { MaxDegreeOfParallelism = threads },
                k => body((int)((long)length * k / items), (int)((long)length * (k + 1) / items)));
        }

        /// <summary>
        /// Rows [from, to) of the group: row m ← column values at m (evaluations), or at bitrev(m)
        /// (coefficients, so that the decimation-in-time pass sees them bit-reversed). Unused lanes are zeroed.
        /// </summary>
        private void Gather(ulong* s, int lanes, int c0, int count, int from, int to)
        {
            for (int l = 0; l < count; l++)
            {
                fixed (Goldilocks* column = columns[c0 + l])
                {
                    ulong* src = (ulong*)column;
                    if (interpolate)
                    {
                        for (int m = from; m < to; m++) s[(nint)m * lanes + l] = src[m];
                    }
                    else
                    {
                        for (int m = from; m < to; m++) s[(nint)m * lanes + l] = src[BitReversal.Reverse(m, logN)];
                    }
                }
            }
            for (int l = count; l < lanes; l++)
            {
                for (int m = from; m < to; m++) s[(nint)m * lanes + l] = 0;
            }
        }

        /// <summary>Rows [from, to) hold n·a_bitrev(m) after the inverse transform.</summary>
        private void ScatterCoefficients(ulong* s, int lanes, int c0, int count, ulong nInv, int from, int to)
        {
            for (int l = 0; l < count; l++)
            {
                fixed (Goldilocks* column = coefficients![c0 + l])
                {
                    ulong* dst = (ulong*)column;
                    for (int m = from; m < to; m++) dst[BitReversal.Reverse(m, logN)] = Goldilocks.MulRaw(s[(nint)m * lanes + l], nInv);
                }
            }
        }

        /// <summary>
        /// Row m ← row m · factors[m], copied to rows m·B … m·B + B − 1. Rows m ≥ n/B write only
        /// rows ≥ n, which are not sources, so they go first as one independent batch; then
        /// [n/B², n/B), and so on down to row 0, which reads itself before writing.
        /// </summary>
        private void Spread<TOps, TV>(ulong* s, int threads)
            where TOps : struct, ILaneOps<TV>
            where TV : struct
        {
            int blowup = 1 << logBlowup;
            nint ps = (nint)s;
            int hi = _n;
            while (hi > 0)
            {
                int lo = blowup == 1 || hi == 1 ? 0 : System.Math.Max(1, hi >> logBlowup);
                int start = lo;
                For(hi - lo, threads, (from, to) => SpreadRange<TOps, TV>((ulong*)ps, start + from, start + to));
                hi = lo;
            }
        }

        private void SpreadRange<TOps, TV>(ulong* s, int from, int to)
            where TOps : struct, ILaneOps<TV>
            where TV : struct
        {
            int lanes = TOps.Lanes;
            int blowup = 1 << logBlowup;
            fixed (ulong* f = factors)
            {
                for (int m = from; m < to; m++)
                {
                    ulong factor = f[m];
                    TV v = TOps.Mul(TOps.Load(s + (nint)m * lanes), TOps.Broadcast(factor), TOps.Broadcast(factor >> 32));
                    ulong* d = s + ((nint)m << logBlowup) * lanes;
                    for (int j = 0; j < blowup; j++) TOps.Store(d + (nint)j * lanes, v);
                }
            }
        }

        private void CopyOut<TOps, TV>(ulong* s, int c0, int count, int from, int to)
            where TOps : struct, ILaneOps<TV>
            where TV : struct
        {
            int lanes = TOps.Lanes;
            nint width = _width;
            fixed (Goldilocks* values = result.Values)
            {
                ulong* d = (ulong*)values + c0 + from * width;
                ulong* src = s + (nint)from * lanes;
                if (count == lanes)
                {
                    for (int r = from; r < to; r++, d += width, src += lanes) TOps.Store(d, TOps.Load(src));
                }
                else
                {
                    for (int r = from; r < to; r++, d += width, src += lanes)
                    {
                        for (int l = 0; l < count; l++) d[l] = src[l];
                    }
                }
            }
        }
    }
}
