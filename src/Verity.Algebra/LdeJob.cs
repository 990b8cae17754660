using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Verity.Algebra;

/// <summary>Cache-blocking sizes of <see cref="LdeJob{TOps, TV}"/>; tests shrink them to reach every path with small inputs.</summary>
internal static class LdeTuning
{
    /// <summary>Bytes of a block whose low stages run together (fits in L2).</summary>
    internal static int BlockBytes = 1 << 19;

    /// <summary>Working set of one slice of the high stages.</summary>
    internal static int SliceBytes = 1 << 18;
}

/// <summary>
/// One low-degree extension: n values per column → n·B rows of the row-major result.
/// </summary>
/// <remarks>
/// <para>
/// Columns are taken in groups of one register's width (8 with AVX-512), interleaved in a
/// scratch buffer: row m of the scratch holds value m of every column of the group, so a
/// butterfly is one vector operation with one broadcast twiddle.
/// </para>
/// <para>Per group:</para>
/// <list type="number">
/// <item>C ← the group's values; an inverse NTT by decimation in frequency leaves n·a_k in
///   row bitrev(k) (or the coefficients are gathered there directly).</item>
/// <item>For each coset q &lt; B: evaluation point i·B + q of the extension is
///   shift·ω_N^q·ω_n^i, so the rows i·B + q are the n-point transform of
///   a_k·(shift·ω_N^q)^k. S[m] ← C[m]·factor_q[m], then decimation in time (bit-reversed in,
///   natural out) and the rows go to the result. No bit-reversal pass is ever made.</item>
/// </list>
/// <para>
/// Each n-point transform makes two passes over its scratch: contiguous blocks that fit in L2
/// run their low stages, then the high stages run on slices of points that share the same
/// index mod the block size (strided rows, again a cache-sized working set). The last pass
/// writes straight into the result, with non-temporal stores where a group's 8 columns fill a
/// whole aligned cache line, so the output is written once and never read. When the width is a
/// multiple of 8, group boundaries follow the result's line boundaries; the line that straddles
/// two rows holds the last columns of row r and the first columns of row r + 1, and one group
/// covers exactly those: its first lanes use coset q and its last lanes coset q + 1 (coset B is
/// ω_n·shift·⟨ω_n⟩, whose row u is row u + 1 of coset 0), so that it too writes whole lines.
/// </para>
/// </remarks>
internal sealed unsafe class LdeJob<TOps, TV>
    where TOps : struct, ILaneOps<TV>
    where TV : struct
{
    private readonly IReadOnlyList<Goldilocks[]> _columns;
    private readonly Goldilocks[][]? _coefficients;
    private readonly bool _interpolate;
    private readonly Goldilocks _shift;
    private readonly int _logN, _n, _logBlowup, _width;
    private readonly int _logBlock, _sliceWidth;

    /// <summary>Padding rows after each block of the scratch buffers, and their padded height.</summary>
    private readonly int _pad, _rows;
    private TwiddleTable _table = null!;
    private ulong* _factors;
    private ulong* _out;

    public LdeJob(IReadOnlyList<Goldilocks[]> columns, int logN, int logBlowup, Goldilocks shift, bool interpolate, Goldilocks[][]? coefficients)
    {
        _columns = columns;
        _coefficients = coefficients;
        _interpolate = interpolate;
        _shift = shift;
        _logN = logN;
        _n = 1 << logN;
        _logBlowup = logBlowup;
        _width = columns.Count;

        int rowBytes = TOps.Lanes * sizeof(ulong);
        _logBlock = System.Math.Min(logN, System.Numerics.BitOperations.Log2((uint)(LdeTuning.BlockBytes / rowBytes)));
        long sliceRows = (long)rowBytes << (logN - _logBlock);
        _sliceWidth = (int)System.Math.Clamp(LdeTuning.SliceBytes / sliceRows, 1, 1L << _logBlock);
        _sliceWidth = 1 << System.Numerics.BitOperations.Log2((uint)_sliceWidth);
        // Blocks are a power-of-two number of bytes apart, so the runs of a slice would all map to
        // the same cache sets; a slice's width of padding after each block spreads them out.
        _pad = logN > _logBlock ? System.Math.Max(_sliceWidth, 16) : 0;
        _rows = _n + (_n >> _logBlock) * _pad;
    }

    private static int Lanes => TOps.Lanes;

    /// <summary>Position of row m in a padded scratch buffer.</summary>
    private nint Phys(int m) => m + (nint)(m >> _logBlock) * _pad;

    public void Run(RowMajorMatrix result)
    {
        if (_coefficients is not null)
        {
            for (int c = 0; c < _width; c++) _coefficients[c] = GC.AllocateUninitializedArray<Goldilocks>(_n);
        }
        int threads = Environment.ProcessorCount;
        // Tiny extensions are not worth a fork/join.
        if (((long)_width << (_logN + _logBlowup)) < 1 << 15) threads = 1;

        _table = TwiddleTable.ForLogHalf(_logN - 1);
        // Large buffers come from the shared pool: mapping fresh memory costs page faults.
        ulong[] factors = ArrayPool<ulong>.Shared.Rent(((1 << _logBlowup) + 1) * _n);
        fixed (ulong* f = factors)
        fixed (Goldilocks* values = result.Values)
        {
            _factors = f;
            BuildFactors(threads);
            _out = (ulong*)values;
            ColumnGroup[] groups = PlanGroups();
            long scratchLength = 2L * _rows * Lanes;
            if (threads > 1 && groups.Length >= threads)
            {
                Parallel.For(0, groups.Length, new ParallelOptions { MaxDegreeOfParallelism = threads },
                    () => ArrayPool<ulong>.Shared.Rent((int)scratchLength),
                    (g, _, scratch) =>
                    {
                        Group(groups[g], scratch, threads: 1);
                        return scratch;
                    },
                    scratch => ArrayPool<ulong>.Shared.Return(scratch));
            }
            else
            {
                ulong[] scratch = ArrayPool<ulong>.Shared.Rent((int)scratchLength);
                foreach (ColumnGroup group in groups) Group(group, scratch, threads);
                ArrayPool<ulong>.Shared.Return(scratch);
            }
        }
        ArrayPool<ulong>.Shared.Return(factors);
        GC.KeepAlive(_table);
    }

    /// <summary>
    /// factors[q·n + m] = (shift·ω_N^q)^bitrev(m) for q ≤ B, divided by n when interpolating
    /// (q = B serves the straddling group).
    /// </summary>
    private void BuildFactors(int threads)
    {
        int cosets = (1 << _logBlowup) + 1;
        ulong scale = _interpolate ? Ntt.InverseOfPowerOfTwo(_logN) : 1;
        Goldilocks omega = Goldilocks.RootOfUnity(_logN + _logBlowup);
        nint pf = (nint)_factors;
        For(cosets, _n >= 1 << 14 ? threads : 1, q =>
        {
            ulong* fq = (ulong*)pf + (nint)q * _n;
            new Span<ulong>(fq, _n).Fill(1);
            Ntt.ScaleByPowers(fq, _n, scale, (_shift * omega.Pow((ulong)q)).Value, 1);
            BitReversal.Permute(fq, _logN, 1);
        });
    }

    /// <summary>
    /// A group of columns sharing the scratch: lane l holds column Columns[l]. Lanes from
    /// <see cref="NextRowLane"/> on belong to the next result row (the straddling group); for
    /// other groups NextRowLane = Lanes.
    /// </summary>
    private sealed record ColumnGroup(int[] Columns, int NextRowLane);

    /// <summary>
    /// Groups of up to one register of columns. When the width is a multiple of 8 (and the
    /// lanes are 8), groups start where the result's cache lines start, so that each group row is
    /// one whole line, the straddling group included.
    /// </summary>
    private ColumnGroup[] PlanGroups()
    {
        var groups = new List<ColumnGroup>();
        int lanes = Lanes;
        int first = 0; // first column that starts a cache line
        if (lanes == 8 && _width % 8 == 0 && ((nuint)_out & 7) == 0)
            first = (8 - (int)(((nuint)_out >> 3) & 7)) & 7;
        int c = first;
        for (; c + lanes <= _width; c += lanes) groups.Add(new ColumnGroup(Range(c, lanes), lanes));
        if (first != 0)
        {
            // Columns W − 8 + first … W − 1 of row r, then 0 … first − 1 of row r + 1.
            int[] straddle = new int[lanes];
            for (int l = 0; l < lanes - first; l++) straddle[l] = _width - lanes + first + l;
            for (int l = lanes - first; l < lanes; l++) straddle[l] = l - (lanes - first);
            groups.Add(new ColumnGroup(straddle, lanes - first));
        }
        else if (c < _width)
        {
            groups.Add(new ColumnGroup(Range(c, _width - c), lanes));
        }
        return [.. groups];

        static int[] Range(int start, int count)
        {
            int[] r = new int[count];
            for (int i = 0; i < count; i++) r[i] = start + i;
            return r;
        }
    }

    private static void For(int count, int threads, Action<int> body)
    {
        if (threads <= 1 || count == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    private void Group(ColumnGroup group, ulong[] scratch, int threads)
    {
        int[] cols = group.Columns;
        fixed (ulong* pScratch = scratch)
        {
            nint pc = (nint)pScratch, ps = (nint)(pScratch + (nint)_rows * Lanes);
            int blockRows = 1 << _logBlock;
            int blocks = _n >> _logBlock;
            int slices = (1 << _logBlock) / _sliceWidth;
            bool twoPass = _logN > _logBlock;
            int tiles = _logN >= 6 ? 1 << (_logN - 6) : 1;
            int tileItems = System.Math.Min(tiles, 64);

            // 1. C ← n·a_bitrev(m) (interpolating) or a_bitrev(m).
            if (_interpolate)
            {
                For(blocks, threads, k => GatherNatural((ulong*)pc + Phys(k * blockRows) * Lanes, cols, k * blockRows, (k + 1) * blockRows));
                ulong* inv = _table.Inverse;
                if (twoPass)
                    For(slices, threads, t => NttDriver.DifSlice<BatchDif<TOps, TV>>((ulong*)pc, _logN, _logBlock, t * _sliceWidth, (t + 1) * _sliceWidth, _pad, inv));
                For(blocks, threads, k => NttDriver.DifBlock<BatchDif<TOps, TV>>((ulong*)pc + Phys(k * blockRows) * Lanes, _logBlock, inv));
                if (_coefficients is not null)
                    For(tileItems, threads, i => ScatterCoefficients((ulong*)pc, cols, tiles * i / tileItems, tiles * (i + 1) / tileItems));
            }
            else
            {
                For(tileItems, threads, i => GatherBitReversed((ulong*)pc, cols, tiles * i / tileItems, tiles * (i + 1) / tileItems));
            }

            // 2. Each coset of the extension is an n-point transform of the scaled coefficients.
            ulong* fwd = _table.Forward;
            for (int q = 0; q < 1 << _logBlowup; q++)
            {
                int coset = q;
                For(blocks, threads, k =>
                {
                    int from = k * blockRows;
                    ulong* c = (ulong*)pc + Phys(from) * Lanes;
                    ulong* s = (ulong*)ps + Phys(from) * Lanes;
                    ulong* f = _factors + (nint)coset * _n + from;
                    if (group.NextRowLane < Lanes)
                    {
                        ScaleSplit(c, s, f, f + _n, group.NextRowLane, blockRows);
                        NttDriver.DitBlock<BatchDit<TOps, TV>>(s, _logBlock, fwd);
                    }
                    else if (_logBlock >= 2)
                    {
                        // The scaling rides along with the first two (fused) stages.
                        BatchDit<TOps, TV>.RunRadix4EdgeScaled(c, s, f, blockRows, fwd);
                        NttDriver.DitBlock<BatchDit<TOps, TV>>(s, _logBlock, fwd, logFirstHalf: 2);
                    }
                    else
                    {
                        Scale(c, s, f, blockRows);
                        NttDriver.DitBlock<BatchDit<TOps, TV>>(s, _logBlock, fwd);
                    }
                    if (!twoPass) WriteRows((ulong*)ps, group, coset, from, 1, blockRows, 1);
                });
                if (twoPass)
                {
                    For(slices, threads, t =>
                    {
                        int from = t * _sliceWidth;
                        NttDriver.DitSlice<BatchDit<TOps, TV>>((ulong*)ps, _logN, _logBlock, from, from + _sliceWidth, _pad, fwd);
                        WriteRows((ulong*)ps, group, coset, from, _sliceWidth, _n >> _logBlock, blockRows);
                    });
                }
            }
        }
    }

    /// <summary>Rows [from, to), one block, to <paramref name="c"/> (the block's first row).</summary>
    private void GatherNatural(ulong* c, int[] cols, int from, int to)
    {
        int lanes = Lanes;
        for (int l = 0; l < cols.Length; l++)
        {
            fixed (Goldilocks* column = _columns[cols[l]])
            {
                ulong* src = (ulong*)column + from;
                for (int m = 0; m < to - from; m++) c[(nint)m * lanes + l] = src[m];
            }
        }
        for (int l = cols.Length; l < lanes; l++)
        {
            for (int m = 0; m < to - from; m++) c[(nint)m * lanes + l] = 0;
        }
    }

    private static ReadOnlySpan<byte> Reverse3 => [0, 4, 2, 6, 1, 5, 3, 7];

    /// <summary>
    /// Row m ← coefficient bitrev(m), for the index tiles [fromTile, toTile). An index splits as
    /// (a: 3 bits | b | c: 3 bits) and its reversal is (rev c | rev b | rev a), so each tile b reads
    /// 8 runs of 8 consecutive coefficients and writes 8 runs of 8 consecutive rows.
    /// </summary>
    private void GatherBitReversed(ulong* c, int[] cols, int fromTile, int toTile)
    {
        int lanes = Lanes;
        if (_logN < 6)
        {
            for (int l = 0; l < lanes; l++)
            {
                for (int m = 0; m < _n; m++)
                    c[Phys(m) * lanes + l] = l < cols.Length ? _columns[cols[l]][BitReversal.Reverse(m, _logN)].Value : 0;
            }
            return;
        }
        int middleBits = _logN - 6, high = _logN - 3;
        ReadOnlySpan<byte> rev3 = Reverse3;
        for (int b = fromTile; b < toTile; b++)
        {
            int rb = BitReversal.Reverse(b, middleBits);
            for (int l = 0; l < lanes; l++)
            {
                if (l >= cols.Length)
                {
                    for (int a = 0; a < 8; a++)
                        for (int k = 0; k < 8; k++) c[Phys((rev3[k] << high) | (rb << 3) | rev3[a]) * lanes + l] = 0;
                    continue;
                }
                fixed (Goldilocks* column = _columns[cols[l]])
                {
                    ulong* src = (ulong*)column;
                    for (int a = 0; a < 8; a++)
                    {
                        ulong* run = src + ((a << high) | (b << 3));
                        int rowLow = (rb << 3) | rev3[a];
                        for (int k = 0; k < 8; k++) c[Phys((rev3[k] << high) | rowLow) * lanes + l] = run[k];
                    }
                }
            }
        }
    }

    /// <summary>coefficients[col][bitrev(m)] ← C[m]/n, tile by tile as in <see cref="GatherBitReversed"/>.</summary>
    private void ScatterCoefficients(ulong* c, int[] cols, int fromTile, int toTile)
    {
        int lanes = Lanes;
        ulong nInv = Ntt.InverseOfPowerOfTwo(_logN);
        if (_logN < 6)
        {
            for (int l = 0; l < cols.Length; l++)
            {
                Goldilocks[] dst = _coefficients![cols[l]];
                for (int m = 0; m < _n; m++) dst[BitReversal.Reverse(m, _logN)] = new(Goldilocks.MulRaw(c[Phys(m) * lanes + l], nInv));
            }
            return;
        }
        int middleBits = _logN - 6, high = _logN - 3;
        ReadOnlySpan<byte> rev3 = Reverse3;
        for (int b = fromTile; b < toTile; b++)
        {
            int rb = BitReversal.Reverse(b, middleBits);
            for (int l = 0; l < cols.Length; l++)
            {
                fixed (Goldilocks* column = _coefficients![cols[l]])
                {
                    ulong* dst = (ulong*)column;
                    for (int a = 0; a < 8; a++)
                    {
                        ulong* run = dst + ((a << high) | (b << 3));
                        int rowLow = (rb << 3) | rev3[a];
                        for (int k = 0; k < 8; k++) run[k] = Goldilocks.MulRaw(c[Phys((rev3[k] << high) | rowLow) * lanes + l], nInv);
                    }
                }
            }
        }
    }

    private static void Scale(ulong* source, ulong* destination, ulong* factors, int rows)
    {
        int lanes = Lanes;
        for (int m = 0; m < rows; m++)
        {
            ulong f = factors[m];
            TOps.Store(destination + (nint)m * lanes, TOps.Mul(TOps.Load(source + (nint)m * lanes), TOps.Broadcast(f), TOps.Broadcast(f >> 32)));
        }
    }

    /// <summary>As <see cref="Scale"/>, with lanes from <paramref name="split"/> on scaled by the next coset's factors.</summary>
    [SkipLocalsInit]
    private static void ScaleSplit(ulong* source, ulong* destination, ulong* factors, ulong* nextFactors, int split, int rows)
    {
        int lanes = Lanes;
        ulong* f = stackalloc ulong[lanes];
        for (int m = 0; m < rows; m++)
        {
            for (int l = 0; l < lanes; l++) f[l] = l < split ? factors[m] : nextFactors[m];
            TV v = TOps.Load(f);
            TOps.Store(destination + (nint)m * lanes, TOps.Mul(TOps.Load(source + (nint)m * lanes), v, TOps.High(v)));
        }
    }

    /// <summary>
    /// Copies transform rows u = i·stride + t (t ∈ [from, from + width), i &lt; count) of coset q
    /// to result rows u·B + q (the straddling group's last lanes to the row after).
    /// </summary>
    private void WriteRows(ulong* s, ColumnGroup group, int q, int from, int width, int count, int stride)
    {
        int lanes = Lanes;
        int[] cols = group.Columns;
        nint rowStep = (nint)_width << _logBlowup; // result elements between rows u and u + 1
        bool straddles = group.NextRowLane < lanes;
        if (straddles || (cols.Length == lanes && cols[lanes - 1] - cols[0] == lanes - 1))
        {
            // The group's lanes are consecutive in memory (across the row end when straddling).
            ulong* first = _out + (nint)q * _width + cols[0];
            // The very last line of the straddling group would run past the end of the result:
            // its second part belongs to row N ≡ row 0.
            nint lastRow = straddles && q == (1 << _logBlowup) - 1 ? _n - 1 : -1;
            if (typeof(TV) == typeof(Vector512<ulong>) && Avx512F.IsSupported)
            {
                // Rows that start a cache line are written with non-temporal stores, which skip
                // the read-for-ownership of a normal store: the result is written once, never read.
                bool uniform = (_width & 7) == 0; // then every row has the alignment of the first
                bool aligned = ((nuint)first & 63) == 0;
                for (int i = 0; i < count; i++)
                {
                    nint u = (nint)i * stride + from;
                    ulong* src = s + Phys((int)u) * lanes;
                    ulong* d = first + u * rowStep;
                    for (int t = 0; t < width; t++, u++, src += lanes, d += rowStep)
                    {
                        if (u == lastRow)
                        {
                            WriteWrapped(src, group, d);
                            continue;
                        }
                        TV v = TOps.Load(src);
                        if (uniform ? aligned : ((nuint)d & 63) == 0)
                            Avx512F.StoreAlignedNonTemporal(d, Unsafe.As<TV, Vector512<ulong>>(ref v));
                        else
                            TOps.Store(d, v);
                    }
                }
                // Non-temporal stores are weakly ordered: publish them before the work item completes.
                Sse.StoreFence();
            }
            else
            {
                for (int i = 0; i < count; i++)
                {
                    nint u = (nint)i * stride + from;
                    ulong* src = s + Phys((int)u) * lanes;
                    ulong* d = first + u * rowStep;
                    for (int t = 0; t < width; t++, u++, src += lanes, d += rowStep)
                    {
                        if (u == lastRow) WriteWrapped(src, group, d);
                        else TOps.Store(d, TOps.Load(src));
                    }
                }
            }
            return;
        }

        for (int i = 0; i < count; i++)
        {
            nint u = (nint)i * stride + from;
            ulong* src = s + Phys((int)u) * lanes;
            ulong* row = _out + (nint)q * _width + u * rowStep;
            for (int t = 0; t < width; t++, src += lanes, row += rowStep)
            {
                for (int l = 0; l < cols.Length; l++) row[cols[l]] = src[l];
            }
        }
    }

    /// <summary>The straddling group's last line: row N − 1's last columns, then row 0's first ones.</summary>
    private void WriteWrapped(ulong* src, ColumnGroup group, ulong* destination)
    {
        for (int l = 0; l < group.NextRowLane; l++) destination[l] = src[l];
        for (int l = group.NextRowLane; l < Lanes; l++) _out[group.Columns[l]] = src[l];
    }
}
