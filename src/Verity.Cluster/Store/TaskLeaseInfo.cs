using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>
/// A task's lease as the store records it, with its job's id, state and segment count (<see cref="ITaskStore.GetTaskLeaseAsync"/>):
/// what the node checks an agent's blob request against. Lease fields are null when the task was never leased.
/// </summary>
public sealed record TaskLeaseInfo
{
    public required string TaskId { get; init; }
    public required string JobId { get; init; }
    public required TaskType Type { get; init; }
    public required int Index { get; init; }
    public required TaskState State { get; init; }
    public long? LeaseId { get; init; }
    public string? AgentId { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public required JobState JobState { get; init; }
    /// <summary>The job's segment count (0 before its execute task is done).</summary>
    public int Segments { get; init; }
    /// <summary>The job's image and input ids (what its tasks may read).</summary>
    public required string ImageId { get; init; }
    public required string InputId { get; init; }
}
