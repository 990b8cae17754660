namespace Verity.Cluster.Jobs;

/// <summary>
/// A task's lifecycle: Pending (waiting on prerequisites) → Ready → Running (leased to an agent) → Done, or back to
/// Ready on a retry or lease timeout, or Failed (attempts used up, or a non-retryable error), or Cancelled (its job
/// ended).
/// </summary>
public enum TaskState
{
    Pending = 0,
    Ready = 1,
    Running = 2,
    Done = 3,
    Failed = 4,
    Cancelled = 5,
}

public static class TaskStateNames
{
    public static readonly IReadOnlyList<TaskState> All =
        [TaskState.Pending, TaskState.Ready, TaskState.Running, TaskState.Done, TaskState.Failed, TaskState.Cancelled];

    public static string Name(this TaskState s) => s switch
    {
        TaskState.Pending => "pending",
        TaskState.Ready => "ready",
        TaskState.Running => "running",
        TaskState.Done => "done",
        TaskState.Failed => "failed",
        TaskState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };
}
