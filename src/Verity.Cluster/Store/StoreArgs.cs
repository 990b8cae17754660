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
}
