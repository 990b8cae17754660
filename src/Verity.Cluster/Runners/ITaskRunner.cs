using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;

namespace Verity.Cluster.Runners;

/// <summary>
/// Does the work of one task on an agent: reads its inputs from the blob store, writes its outputs there and returns
/// the task's output as JSON (<see cref="Protocol.ExecuteTaskOutput"/>, <see cref="Protocol.ProveTaskOutput"/> or
/// <see cref="Protocol.FinalizeTaskOutput"/>). Throws <see cref="TaskFailedException"/> for errors that say whether a
/// retry can help; any other exception is treated as retryable.
/// </summary>
public interface ITaskRunner
{
    Task<string> RunAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct);
}

/// <summary>A task error with a verdict on retrying: deterministic failures (a guest that exceeds its cycle limit, a
/// malformed ELF) are not retried. <see cref="Redo"/> names done prerequisites whose outputs were found missing or
/// corrupted (a finalize task's proofs): the node runs them again and the task waits for them.</summary>
public sealed class TaskFailedException(string message, bool retry, Exception? inner = null, IReadOnlyList<TaskRef>? redo = null)
    : Exception(message, inner)
{
    public bool Retry { get; } = retry;

    /// <summary>Prerequisites to run again before this task (empty: none).</summary>
    public IReadOnlyList<TaskRef> Redo { get; } = redo ?? [];
}
