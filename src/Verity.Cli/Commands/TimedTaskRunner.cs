using System.Diagnostics;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Runners;

namespace Verity.Cli.Commands;

/// <summary>Wraps an agent's runner to log how long each task that succeeded took (failures are logged by the agent).</summary>
internal sealed class TimedTaskRunner(ITaskRunner inner, Action<string> log) : ITaskRunner
{
    public async Task<string> RunAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        string output = await inner.RunAsync(task, blobs, progress, ct).ConfigureAwait(false);
        log($"{task.TaskId} done in {sw.Elapsed.TotalSeconds:F2} s");
        return output;
    }
}
