namespace Verity.Node.Metrics;

/// <summary>
/// What brings a node's store-derived gauges up to date before /metrics collects them: the node's own step (store
/// statistics, health) and one per component that keeps such gauges (an extension, a component the node hosts).
/// A step that fails is logged and the scrape goes on, so the rest of the metrics still show.
/// </summary>
public sealed class MetricsRefresh(ILogger log)
{
    private readonly List<(string Name, Func<CancellationToken, Task> Step)> _steps = [];

    /// <summary>Adds a step; call while the node starts (before it serves).</summary>
    public void Add(string name, Func<CancellationToken, Task> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        lock (_steps) _steps.Add((name, step));
    }

    public async Task RunAsync(CancellationToken ct)
    {
        (string Name, Func<CancellationToken, Task> Step)[] steps;
        lock (_steps) steps = [.. _steps];
        foreach (var (name, step) in steps)
        {
            try { await step(ct).ConfigureAwait(false); }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                log.LogWarning("metrics: {Component} did not answer: {Error}", name, e.Message);
            }
        }
    }
}
