using Spectre.Console;
using Verity.Cluster.Client;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cli.Commands;

/// <summary>
/// Waits for a job to end, showing its progress on an interactive terminal: execute, then prove tasks done / total, then
/// finalize. Without a terminal (or with --json) it waits quietly.
/// </summary>
internal static class JobProgressBar
{
    /// <param name="observer">Also told every status seen (benchmarks time the phases with it).</param>
    public static async Task<JobStatusView> WaitAsync(NodeClient client, string jobId, bool show, TimeSpan pollInterval,
        IProgress<JobStatusView>? observer, CancellationToken ct)
    {
        if (!show || Console.IsOutputRedirected) return await client.WaitAsync(jobId, observer, pollInterval, ct).ConfigureAwait(false);

        JobStatusView? final = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var bars = new Dictionary<string, ProgressTask>();
                var progress = new SynchronousProgress<JobStatusView>(status =>
                {
                    observer?.Report(status);
                    foreach (var type in TaskTypes.All)
                    {
                        // Prove and finalize tasks exist only once execute has planned them.
                        if (!status.Tasks.TryGetValue(type.Name(), out var counts) || counts.Total == 0) continue;
                        if (!bars.TryGetValue(type.Name(), out var bar))
                            bars[type.Name()] = bar = ctx.AddTask(type.Name(), maxValue: counts.Total);
                        bar.MaxValue = counts.Total;
                        bar.Value = counts.Done;
                        bar.Description = Markup.Escape($"{type.Name()} {counts.Done}/{counts.Total}" + (counts.Running > 0 ? $" ({counts.Running} running)" : ""));
                        if (status.State.IsTerminal()) bar.StopTask();
                    }
                });
                final = await client.WaitAsync(jobId, progress, pollInterval, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return final!;
    }

    /// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
