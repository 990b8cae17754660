using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>Argument checks every store makes before touching its database: bad input is an <see cref="ArgumentException"/>
/// naming what is wrong, never a database error or a silent no-op.</summary>
internal static class StoreArgs
{
    public static void JobId(string jobId, string paramName = "jobId")
    {
        if (!TaskIds.IsValidJobId(jobId))
            throw new ArgumentException($"'{jobId}' is not a job id (expected 32 lowercase hex digits)", paramName);
    }

    /// <summary>Checks a lease and returns what its task id says: the job, type and index.</summary>
    public static (string JobId, TaskType Type, int Index) Lease(TaskLease lease, string paramName = "lease")
    {
        ArgumentNullException.ThrowIfNull(lease, paramName);
        if (lease.TaskId is null) throw new ArgumentException("the lease has no task id", paramName);
        try
        {
            return TaskIds.Parse(lease.TaskId);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"the lease's task id is invalid: {e.Message}", paramName, e);
        }
    }

    public static void AgentId(string agentId)
    {
        if (string.IsNullOrWhiteSpace(agentId)) throw new ArgumentException("the agent id is empty", nameof(agentId));
        Text(agentId, nameof(agentId));
    }

    /// <summary>Text the stores keep: not null and without NUL characters (PostgreSQL text cannot hold them; and one bad
    /// value must not fail the other requests of a combined batch).</summary>
    public static void Text(string value, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        if (value.Contains('\0')) throw new ArgumentException($"{paramName} contains a NUL character", paramName);
    }

    /// <summary>Checks a claim's allow-list and returns it as a type mask (<see cref="TaskOrder.TypeMask"/>).</summary>
    public static int Allowed(IReadOnlyList<TaskType> allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        if (allowed.Count == 0) throw new ArgumentException("the allow-list of task types is empty", nameof(allowed));
        foreach (var t in allowed)
            if (!TaskTypes.All.Contains(t)) throw new ArgumentException($"unknown task type {(int)t} in the allow-list", nameof(allowed));
        return TaskOrder.TypeMask(allowed);
    }

    public static void Progress(double? progress)
    {
        if (progress is double p && !(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(progress), p, "progress must be in [0, 1]");
    }

    public static void Limit(int limit)
    {
        if (limit <= 0) throw new ArgumentOutOfRangeException(nameof(limit), limit, "the limit must be positive");
    }

    /// <summary>Checks a redo list (not empty, known types, indices ≥ 0, not the reporting task) and returns its distinct
    /// entries with their task ids.</summary>
    public static IReadOnlyList<(TaskRef Ref, string TaskId)> Redo(string jobId, string reportingTaskId, IReadOnlyList<TaskRef> redo)
    {
        ArgumentNullException.ThrowIfNull(redo);
        if (redo.Count == 0) throw new ArgumentException("the list of tasks to run again is empty", nameof(redo));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<(TaskRef, string)>(redo.Count);
        foreach (var r in redo)
        {
            if (r is null) throw new ArgumentException("a task to run again is null", nameof(redo));
            if (!TaskTypes.All.Contains(r.Type)) throw new ArgumentException($"unknown task type {(int)r.Type} among the tasks to run again", nameof(redo));
            if (r.Index < 0) throw new ArgumentException($"{r} to run again has a negative index", nameof(redo));
            string id = TaskIds.TaskId(jobId, r.Type, r.Index);
            if (id == reportingTaskId) throw new ArgumentException($"{r} asks to run itself again", nameof(redo));
            if (seen.Add(id)) result.Add((r, id));
        }
        return result;
    }

    public static ArgumentException NotAPrerequisite(TaskRef r, string taskId) =>
        new($"{r} is not a prerequisite of {taskId}: only the tasks it waits on can be run again", "redo");
}
