using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Verity.Algebra;

/// <summary>
/// Micro-benchmarks of the field and transform layer, for the CLI's benchmark command. Each
/// method warms up first (so tiered compilation has settled) and reports the best run.
/// </summary>
public static class AlgebraBenchmarks
{
    /// <summary>
    /// Goldilocks multiplications per second on the calling thread: a[i] ← a[i]·b[i] over two
    /// L1-resident arrays, so the multiplications are independent and the loop measures throughput.
    /// </summary>
    public static double FieldMulPerSecond(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), duration, "The duration must be positive.");
        const int Length = 1024, PassesPerCheck = 64;
        Goldilocks[] a = RandomElements(Length, 1), b = RandomElements(Length, 2);
        MultiplyPasses(a, b, PassesPerCheck); // warm-up

        long multiplications = 0;
        var stopwatch = Stopwatch.StartNew();
        do
        {
            MultiplyPasses(a, b, PassesPerCheck);
            multiplications += (long)Length * PassesPerCheck;
        }
        while (stopwatch.Elapsed < duration);
        double seconds = stopwatch.Elapsed.TotalSeconds;
        GC.KeepAlive(a);
        return multiplications / seconds;
    }

    /// <summary>Best time in milliseconds of a forward NTT of 2^logN random values.</summary>
    public static double NttMilliseconds(int logN, bool parallel)
    {
        if ((uint)logN > 28) throw new ArgumentOutOfRangeException(nameof(logN), logN, "Benchmark sizes range over 2^0 … 2^28.");
        Goldilocks[] values = RandomElements(1 << logN, 3);
        return Best(() => Ntt.Forward(values, parallel), Runs(logN));
    }

    /// <summary>
    /// Best time in milliseconds of the low-degree extension of <paramref name="width"/> random
    /// columns of 2^logRows values with the given blowup, on all cores. The runs write into one
    /// reused matrix (<see cref="LowDegreeExtension.ExtendInto"/>): a freshly allocated result
    /// would add the operating system's cost of mapping and zeroing its pages, which varies
    /// widely between machines.
    /// </summary>
    public static double LdeMilliseconds(int logRows, int width, int blowup)
    {
        if ((uint)logRows > 24) throw new ArgumentOutOfRangeException(nameof(logRows), logRows, "Benchmark sizes range over 2^0 … 2^24 rows.");
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The width must be positive.");
        if (blowup <= 0 || !System.Numerics.BitOperations.IsPow2(blowup)) throw new ArgumentOutOfRangeException(nameof(blowup), blowup, "The blowup must be a power of two.");
        var columns = new Goldilocks[width][];
        for (int c = 0; c < width; c++) columns[c] = RandomElements(1 << logRows, 10 + c);
        var destination = new RowMajorMatrix(width, (1 << logRows) * blowup);
        Goldilocks shift = Goldilocks.Generator;
        return Best(() => LowDegreeExtension.ExtendInto(columns, blowup, shift, destination), Runs(logRows + 6));
    }

    private static int Runs(int logSize) => logSize >= 22 ? 3 : logSize >= 16 ? 7 : 25;

    private static double Best(Action action, int runs)
    {
        action(); // warm-up
        double best = double.MaxValue;
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            best = System.Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return best;
    }

    private static Goldilocks[] RandomElements(int length, int seed)
    {
        var random = new Random(seed);
        var values = new Goldilocks[length];
        for (int i = 0; i < values.Length; i++) values[i] = Goldilocks.FromUInt64((ulong)random.NextInt64() * 2 + (ulong)random.Next(2));
        return values;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyPasses(Goldilocks[] a, Goldilocks[] b, int passes)
    {
        Span<Goldilocks> x = a;
        ReadOnlySpan<Goldilocks> y = b.AsSpan(0, x.Length);
        for (int p = 0; p < passes; p++)
        {
            for (int i = 0; i < x.Length; i++) x[i] *= y[i];
        }
    }
}
