namespace Verity.Cluster.Store;

/// <summary>A task with its job's state, as read before applying a report (both stores fill it through column aliases).</summary>
internal sealed class ReportRow
{
    public int TaskState { get; set; }
    public long JobSeq { get; set; }
    public int Attempts { get; set; }
    public long? LeaseId { get; set; }
    public int JobState { get; set; }
    public long? DeadlineMs { get; set; }
    public int Priority { get; set; }
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
