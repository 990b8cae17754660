namespace Verity.Cluster.Jobs;

/// <summary>A task to insert: its type, index and the indices of the tasks (of the same job) it waits on.</summary>
public sealed record NewTask(TaskType Type, int Index, IReadOnlyList<(TaskType Type, int Index)> Prerequisites)
{
    public static NewTask Ready(TaskType type, int index) => new(type, index, []);
}

/// <summary>A job as stored.</summary>
public sealed record JobRecord
{
    public required string JobId { get; init; }
    public required JobSpec Spec { get; init; }
    public JobState State { get; init; }
    /// <summary>Why the job failed (the failing task and its last error), or null.</summary>
    public string? Error { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Results of the execute task once it is done (null before).</summary>
    public ExecutionSummary? Execution { get; init; }
    /// <summary>Size of the stored receipt once finalize is done.</summary>
    public long? ReceiptBytes { get; init; }
    /// <summary>When the receipt was first downloaded (drives blob cleanup).</summary>
    public DateTimeOffset? ReceiptFetchedAt { get; init; }
    /// <summary>When this job's blobs were deleted by the reaper (the job record stays).</summary>
    public DateTimeOffset? BlobsDeletedAt { get; init; }
}

/// <summary>What the execute task found (DESIGN §2 step 1); stored on the job.</summary>
public sealed record ExecutionSummary
{
    public long Cycles { get; init; }
    public int Segments { get; init; }
    public int ExitCode { get; init; }
    public string JournalHex { get; init; } = "";
    public long InputConsumed { get; init; }
}

/// <summary>
/// A lease on a task as the store issued it: <see cref="LeaseId"/> and the claim's server time (<see cref="StartedMs"/>,
/// Unix ms) together identify it; the store accepts a lease only when both match its own record of the task.
/// </summary>
public sealed record TaskLease(string TaskId, long LeaseId, long StartedMs);

/// <summary>A task handed to an agent: everything it needs besides blobs.</summary>
public sealed record ClaimedTask
{
    public required string TaskId { get; init; }
    public required string JobId { get; init; }
    public required TaskType Type { get; init; }
    public required int Index { get; init; }
    /// <summary>1 for the first attempt.</summary>
    public required int Attempt { get; init; }
    public required TaskLease Lease { get; init; }
    public required JobSpec Spec { get; init; }
    /// <summary>Segments of the run (0 for execute tasks, which find it out).</summary>
    public int Segments { get; init; }
}

/// <summary>Task counts of one type, by state.</summary>
public sealed record TaskCounts(TaskType Type, IReadOnlyDictionary<TaskState, int> ByState)
{
    public int Total => ByState.Values.Sum();
    public int Count(TaskState s) => ByState.TryGetValue(s, out int n) ? n : 0;
    /// <summary>Times the type's tasks were leased (attempts), summed.</summary>
    public int Runs { get; init; }
    /// <summary>Attempts beyond each task's first (re-runs after a failure, an expired lease or a crash), summed.</summary>
    public int Reruns { get; init; }
}

/// <summary>Outcome of a heartbeat.</summary>
public enum LeaseStatus
{
    /// <summary>The caller holds the lease (renewed; possibly taken over from a later lease).</summary>
    Held = 0,
    /// <summary>The caller must stop: the store records another lease for the task (or none), or the task or its job has ended.</summary>
    Lost = 1,
}

/// <summary>Outcome of a success or error report.</summary>
public enum ReportOutcome
{
    /// <summary>The report changed the task.</summary>
    Accepted = 0,
    /// <summary>The task was already done (first result wins); nothing changed.</summary>
    Duplicate = 1,
    /// <summary>The report was ignored: stale lease, task or job no longer active.</summary>
    Ignored = 2,
}

/// <summary>What happens besides marking a task done (decided by the planner, applied atomically by the store).</summary>
public sealed record TaskCompletion
{
    /// <summary>The execute task's results, stored on the job.</summary>
    public ExecutionSummary? Execution { get; init; }
    /// <summary>Tasks to add to the job (inserted only if absent: ids are deterministic).</summary>
    public IReadOnlyList<NewTask> NewTasks { get; init; } = [];
    /// <summary>The job succeeds with this task (execute-only jobs, finalize).</summary>
    public bool CompletesJob { get; init; }
    /// <summary>Receipt size recorded on the job when it succeeds.</summary>
    public long? ReceiptBytes { get; init; }
}

/// <summary>One expired lease found by <see cref="Store.ITaskStore.ExpireLeasesAsync"/>.</summary>
public sealed record ExpiredLease(string TaskId, TaskType Type, bool JobFailed);

/// <summary>Counts for /metrics.</summary>
public sealed record StoreStats(IReadOnlyDictionary<JobState, long> JobsByState, IReadOnlyDictionary<(TaskType, TaskState), long> TasksByState);
