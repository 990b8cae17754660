using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cluster.Store;

/// <summary>What a claim statement returns: the leased task with its job's spec and segment count.</summary>
internal sealed class ClaimRow
{
    public string TaskId { get; set; } = "";
    public string JobId { get; set; } = "";
    public int Type { get; set; }
    public int Idx { get; set; }
    public int Attempts { get; set; }
    public long LeaseId { get; set; }
    public long LeaseStartedMs { get; set; }
    public string SpecJson { get; set; } = "";
    public int Segments { get; set; }

    public ClaimedTask ToClaimedTask(JobSpec? spec = null) => new()
    {
        TaskId = TaskId,
        JobId = JobId,
        Type = (TaskType)Type,
        Index = Idx,
        Attempt = Attempts,
        Lease = new TaskLease(TaskId, LeaseId, LeaseStartedMs),
        Spec = spec ?? ClusterJson.Deserialize<JobSpec>(SpecJson),
        Segments = Segments,
    };
}
