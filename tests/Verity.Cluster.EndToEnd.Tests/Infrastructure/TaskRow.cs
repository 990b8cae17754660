using Verity.Cluster.Jobs;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One task as the store keeps it, read straight from its table: the attempt count and lease that no API shows, so the
/// tests can tell a task done once from one that was run again.
/// </summary>
public sealed record TaskRow(string TaskId, TaskState State, int Attempts, long? LeaseId, string? AgentId, string? OutputJson, string? LastError)
{
    public TaskType Type => TaskIds.Parse(TaskId).Type;
    public int Index => TaskIds.Parse(TaskId).Index;
}
