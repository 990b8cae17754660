using System.Diagnostics;

namespace Verity.Vm;

/// <summary>Execution-speed measurements for the CLI benchmark.</summary>
public static class VmBenchmarks
{
    /// <summary>
    /// Runs <paramref name="image"/> <paramref name="repetitions"/> times after one warm-up run and returns the best
    /// speed in millions of cycles per second. <paramref name="options"/> defaults to preflight (no trace).
    /// </summary>
    public static double PreflightMhz(ProgramImage image, ReadOnlySpan<byte> input, ExecutionOptions? options = null, int repetitions = 3)
    {
        options ??= new ExecutionOptions();
        Executor.Run(image, input, options);
        double best = 0;
        for (int i = 0; i < Math.Max(1, repetitions); i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            ExecutionResult r = Executor.Run(image, input, options);
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            best = Math.Max(best, r.Cycles / seconds / 1e6);
        }
        return best;
    }

    /// <summary>Like <see cref="PreflightMhz"/> with trace recording on.</summary>
    public static double TraceMhz(ProgramImage image, ReadOnlySpan<byte> input, ExecutionOptions? options = null, int repetitions = 1) =>
        PreflightMhz(image, input, (options ?? new ExecutionOptions()) with { RecordTrace = true }, repetitions);
}
