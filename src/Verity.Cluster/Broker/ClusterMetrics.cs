// PLACEHOLDER (lead): replaced by helper H2's implementation.
using Verity.Cluster.Jobs;
namespace Verity.Cluster.Broker;
public sealed class ClusterMetrics
{
    public void TaskClaimed(TaskType t) { }
    public void TaskRetried(TaskType t) { }
    public void TaskTimedOut(TaskType t) { }
    public void TaskFailed(TaskType t) { }
    public void JobCreated() { }
    public void CyclesProven(long c) { }
    public void TaskDuration(TaskType t, TimeSpan d) { }
    public void AgentSeen(string agentId, DateTimeOffset now) { }
    public string RenderPrometheus(StoreStats stats, DateTimeOffset now) => "";
}
