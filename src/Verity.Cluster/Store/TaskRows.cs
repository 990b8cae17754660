using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>A task with its job's state, as read before applying a report (both stores fill it through column aliases).</summary>
internal sealed class ReportRow
{
    /// <summary>Whether <paramref name="lease"/> is the lease the store records for this task.</summary>
    public bool Holds(TaskLease lease) => LeaseId == lease.LeaseId && LeaseStartedMs == lease.StartedMs;

    public int TaskState { get; set; }
    public long JobSeq { get; set; }
    public int Attempts { get; set; }
    public long? LeaseId { get; set; }
    public long? LeaseStartedMs { get; set; }
    public int JobState { get; set; }
    public long? DeadlineMs { get; set; }
    public int Priority { get; set; }
}

/// <summary>A Running task an agent of a stopped node held.</summary>
internal sealed class InterruptedRow
{
    public string TaskId { get; set; } = "";
    public long JobSeq { get; set; }
    public int Type { get; set; }
    public int Idx { get; set; }
    public int Interruptions { get; set; }
}

/// <summary>A prerequisite named by a redo request.</summary>
internal sealed class PrerequisiteRow
{
    public int State { get; set; }
    public int Repairs { get; set; }
}

/// <summary>A Running task whose lease has expired.</summary>
internal sealed class ExpiredRow
{
    public string TaskId { get; set; } = "";
    public long JobSeq { get; set; }
    public int Type { get; set; }
    public int Idx { get; set; }
    public int Attempts { get; set; }
    public long LeaseStartedMs { get; set; }
    public long LeaseExpiresMs { get; set; }
}

/// <summary>The task part of a claim (the job part is read separately where the dialect cannot join in one statement).</summary>
internal sealed class LeasedRow
{
    public string TaskId { get; set; } = "";
    public long JobSeq { get; set; }
    public int Type { get; set; }
    public int Idx { get; set; }
    public int Attempts { get; set; }
    public long LeaseId { get; set; }
    public long LeaseStartedMs { get; set; }
}
