using System.Collections.Concurrent;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Runners;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A test double around the real runner: every attempt at prove task <paramref name="failIndex"/> throws a
/// <see cref="TaskFailedException"/> with the given retry verdict; every other task runs for real. Counts the attempts
/// it failed, per job.
/// </summary>
public sealed class FailingRunner(ITaskRunner inner, int failIndex, bool retry, ConcurrentDictionary<string, int> failures) : ITaskRunner
{
    public const string Message = "injected failure";

    public Task<string> RunAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
    {
        if (task.Type != TaskType.Prove || task.Index != failIndex) return inner.RunAsync(task, blobs, progress, ct);
        failures.AddOrUpdate(task.JobId, 1, (_, n) => n + 1);
        throw new TaskFailedException($"{Message} (attempt {task.Attempt})", retry);
    }
}
