using System.Collections.Concurrent;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Runners;

namespace Verity.Cluster.Tests.TestDoubles;

/// <summary>
/// TEST DOUBLE of <see cref="ITaskRunner"/>: runs <see cref="Behavior"/> for each task and records which tasks started
/// and which saw their cancellation.
/// </summary>
public sealed class ScriptedRunner(Func<ClaimedTask, IProgress<double>, CancellationToken, Task<string>> behavior) : ITaskRunner
{
    public Func<ClaimedTask, IProgress<double>, CancellationToken, Task<string>> Behavior { get; } = behavior;

    public ConcurrentQueue<string> Started { get; } = new();
    public ConcurrentQueue<string> Cancelled { get; } = new();

    public async Task<string> RunAsync(ClaimedTask task, IBlobStore blobs, IProgress<double> progress, CancellationToken ct)
    {
        Started.Enqueue(task.TaskId);
        try
        {
            return await Behavior(task, progress, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Cancelled.Enqueue(task.TaskId);
            throw;
        }
    }

    /// <summary>A runner that succeeds at once with an output naming the task.</summary>
    public static ScriptedRunner Succeeding() => new((t, _, _) => Task.FromResult(Output(t)));

    public static string Output(ClaimedTask task) => $"{{\"task\":\"{task.TaskId}\"}}";

    /// <summary>Runs until cancelled.</summary>
    public static async Task<string> UntilCancelled(CancellationToken ct)
    {
        await Task.Delay(Timeout.Infinite, ct);
        throw new InvalidOperationException("unreachable");
    }
}
