using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>The row <see cref="Sql"/> reads for <see cref="ITaskStore.GetTaskLeaseAsync"/> (same SQL on both stores).</summary>
internal sealed class TaskLeaseRow
{
    public const string Sql = """
        SELECT t.task_id AS TaskId, j.job_id AS JobId, t.type AS Type, t.idx AS Idx, t.state AS State, t.lease_id AS LeaseId,
            t.agent_id AS AgentId, t.lease_expires_ms AS LeaseExpiresMs, j.state AS JobState, j.segments AS Segments,
            j.image_id AS ImageId, j.input_id AS InputId
        FROM tasks t JOIN jobs j ON j.seq = t.job_seq
        WHERE t.task_id = @TaskId
        """;

    public string TaskId { get; set; } = "";
    public string JobId { get; set; } = "";
    public int Type { get; set; }
    public int Idx { get; set; }
    public int State { get; set; }
    public long? LeaseId { get; set; }
    public string? AgentId { get; set; }
    public long? LeaseExpiresMs { get; set; }
    public int JobState { get; set; }
    public int Segments { get; set; }
    public string ImageId { get; set; } = "";
    public string InputId { get; set; } = "";

    public TaskLeaseInfo ToInfo() => new()
    {
        TaskId = TaskId,
        JobId = JobId,
        Type = (TaskType)Type,
        Index = Idx,
        State = (TaskState)State,
        LeaseId = LeaseId,
        AgentId = AgentId,
        LeaseExpiresAt = StoreTime.At(LeaseExpiresMs),
        JobState = (Jobs.JobState)JobState,
        Segments = Segments,
        ImageId = ImageId,
        InputId = InputId,
    };
}
