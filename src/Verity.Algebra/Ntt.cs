using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Verity.Algebra;

/// <summary>
/// Number-theoretic transforms over power-of-two subgroups of Goldilocks and their cosets.
/// All transforms take and return values in natural order. Lengths are powers of two from 1 to
/// 2^30 (ω_n = <see cref="Goldilocks.RootOfUnity"/>(log2 n)). The overloads without
/// <c>parallel</c> run on the calling thread, so callers may parallelize over columns themselves.
/// </summary>
public static unsafe class Ntt
{
    /// <summary>Coefficients → evaluations at ω^i (ω a primitive n-th root, n = length, a power of two).</summary>
    public static void Forward(Span<Goldilocks> values) => Forward(values, parallel: false);

    /// <summary>Evaluations at ω^i → coefficients.</summary>
    public static void Inverse(Span<Goldilocks> values) => Inverse(values, parallel: false);

    /// <summary>Coefficients → evaluations at shift·ω^i.</summary>
    public static void CosetForward(Span<Goldilocks> values, Goldilocks shift) => CosetForward(values, shift, parallel: false);

    /// <summary>Evaluations at shift·ω^i → coefficients.</summary>
    public static void CosetInverse(Span<Goldilocks> values, Goldilocks shift) => CosetInverse(values, shift, parallel: false);

    /// <summary>Coefficients → evaluations at ω^i, optionally on all cores.</summary>
    public static void Forward(Span<Goldilocks> values, bool parallel)
    {
        int logN = CheckLength(values.Length, nameof(values));
        fixed (Goldilocks* p = values) Transform((ulong*)p, logN, inverse: false, Threads(parallel, logN));
    }

    /// <summary>Evaluations at ω^i → coefficients, optionally on all cores.</summary>
    public static void Inverse(Span<Goldilocks> values, bool parallel)
    {
        int logN = CheckLength(values.Length, nameof(values));
        int threads = Threads(parallel, logN);
        fixed (Goldilocks* p = values)
        {
            Transform((ulong*)p, logN, inverse: true, threads);
            ScaleByPowers((ulong*)p, values.Length, InverseOfPowerOfTwo(logN), 1, threads);
        }
    }

    /// <summary>Coefficients → evaluations at shift·ω^i, optionally on all cores.</summary>
    public static void CosetForward(Span<Goldilocks> values, Goldilocks shift, bool parallel)
    {
        int logN = CheckLength(values.Length, nameof(values));
        int threads = Threads(parallel, logN);
        fixed (Goldilocks* p = values)
        {
            // f(shift·x) has coefficients a_i·shift^i.
            ScaleByPowers((ulong*)p, values.Length, 1, shift.Value, threads);
            Transform((ulong*)p, logN, inverse: false, threads);
        }
    }

    /// <summary>Evaluations at shift·ω^i → coefficients, optionally on all cores. The shift must be nonzero.</summary>
    public static void CosetInverse(Span<Goldilocks> values, Goldilocks shift, bool parallel)
    {
        int logN = CheckLength(values.Length, nameof(values));
        if (shift.IsZero) throw new ArgumentException("The coset shift must be nonzero to interpolate.", nameof(shift));
        int threads = Threads(parallel, logN);
        fixed (Goldilocks* p = values)
        {
            Transform((ulong*)p, logN, inverse: true, threads);
            ScaleByPowers((ulong*)p, values.Length, InverseOfPowerOfTwo(logN), shift.Inverse().Value, threads);
        }
    }

    internal static int CheckLength(int length, string paramName)
    {
        if (length <= 0 || !BitOperations.IsPow2(length))
            throw new ArgumentException($"NTT length must be a power of two (1, 2, 4, …), got {length}.", paramName);
        return BitOperations.Log2((uint)length);
    }

    /// <summary>Below 2^15 points the fork/join overhead outweighs a second core.</summary>
    private static int Threads(bool parallel, int logN) => parallel && logN >= 15 ? Environment.ProcessorCount : 1;

    /// <summary>2^(−log) mod p, as powers of 1/2 = (p + 1)/2.</summary>
    internal static ulong InverseOfPowerOfTwo(int log)
    {
        ulong half = (Goldilocks.Modulus + 1) / 2;
        ulong r = 1;
        for (int i = 0; i < log; i++) r = Goldilocks.MulRaw(r, half);
        return r;
    }

    /// <summary>Natural order in, natural order out: decimation in frequency, then bit reversal.</summary>
    internal static void Transform(ulong* x, int logN, bool inverse, int threads)
    {
        if (logN == 0) return;
        TwiddleTable table = TwiddleTable.ForLogHalf(System.Math.Min(logN - 1, TwiddleTable.MaxLogHalf));
        if (LaneSelection.Use512)
            NttDriver.Dif<ColumnDif<Vector512Lanes, Vector512<ulong>>>(x, logN, table, inverse, threads);
        else if (LaneSelection.Use256)
            NttDriver.Dif<ColumnDif<Vector256Lanes, Vector256<ulong>>>(x, logN, table, inverse, threads);
        else
            NttDriver.Dif<ColumnDif<ScalarLanes, ulong>>(x, logN, table, inverse, threads);
        BitReversal.Permute(x, logN, threads);
        GC.KeepAlive(table);
    }

    /// <summary>x[i] ← x[i]·c·s^i.</summary>
    internal static void ScaleByPowers(ulong* x, int n, ulong c, ulong s, int threads)
    {
        if (c == 1 && s == 1) return;
        int chunks = threads > 1 && n >= 1 << 15 ? threads * 4 : 1;
        if (chunks == 1)
        {
            ScaleRange(x, n, c, s);
            return;
        }
        nint px = (nint)x;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, k =>
        {
            int from = (int)((long)n * k / chunks), to = (int)((long)n * (k + 1) / chunks);
            ulong start = Goldilocks.MulRaw(c, new Goldilocks(s).Pow((ulong)from).Value);
            ScaleRange((ulong*)px + from, to - from, start, s);
        });
    }

    private static void ScaleRange(ulong* x, int count, ulong start, ulong s)
    {
        if (LaneSelection.Use512) ScaleRange<Vector512Lanes, Vector512<ulong>>(x, count, start, s);
        else if (LaneSelection.Use256) ScaleRange<Vector256Lanes, Vector256<ulong>>(x, count, start, s);
        else ScaleRange<ScalarLanes, ulong>(x, count, start, s);
    }

    [SkipLocalsInit]
    private static void ScaleRange<TOps, TV>(ulong* x, int count, ulong start, ulong s)
        where TOps : struct, ILaneOps<TV>
        where TV : struct
    {
        int lanes = TOps.Lanes;
        int i = 0;
        ulong acc = start;
        if (lanes > 1 && count >= 2 * lanes)
        {
            ulong* powers = stackalloc ulong[lanes];
            for (int l = 0; l < lanes; l++)
            {
                powers[l] = acc;
                acc = Goldilocks.MulRaw(acc, s);
            }
            // acc = start·s^lanes; the vector of powers advances by s^lanes per step.
            ulong step = new Goldilocks(s).Pow((ulong)lanes).Value;
            TV p = TOps.Load(powers);
            TV stepV = TOps.Broadcast(step), stepHigh = TOps.Broadcast(step >> 32);
            for (; i + lanes <= count; i += lanes)
            {
                TOps.Store(x + i, TOps.Mul(TOps.Load(x + i), p, TOps.High(p)));
                p = TOps.Mul(p, stepV, stepHigh);
            }
            TOps.Store(powers, p);
            acc = powers[0];
        }
        for (; i < count; i++)
        {
            x[i] = Goldilocks.MulRaw(x[i], acc);
            acc = Goldilocks.MulRaw(acc, s);
        }
    }
}
