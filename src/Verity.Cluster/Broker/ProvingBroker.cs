using System.Text.Json;
using Verity.Cluster.Agents;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Store;

namespace Verity.Cluster.Broker;

/// <summary>
/// The agent-facing side of the node (DESIGN §5): hands out tasks, renews leases, applies results through the
/// <see cref="JobPlanner"/> and requeues expired leases. Stateless over the <see cref="ITaskStore"/>, so any number
/// of node replicas can serve agents; every report returns the agent's next task.
/// </summary>
public sealed class ProvingBroker
{
    private readonly ITaskStore _store;
    private readonly TimeProvider _time;

    public ProvingBroker(ITaskStore store, IBlobStore blobs, ClusterMetrics metrics, BrokerOptions? options = null, TimeProvider? time = null)
    {
        _store = store;
        Blobs = blobs;
        Metrics = metrics;
        Options = options ?? new BrokerOptions();
        _time = time ?? TimeProvider.System;
    }

    public IBlobStore Blobs { get; }
    public ClusterMetrics Metrics { get; }

    /// <summary>Notified when tasks may have become ready (in-process agents wait on it when idle).</summary>
    public WorkSignal WorkAvailable { get; } = new();
    public BrokerOptions Options { get; }

    private DateTimeOffset Now => _time.GetUtcNow();

    public async Task<ClaimedTask?> GetTaskAsync(string agentId, IReadOnlyList<TaskType> allowed, CancellationToken ct = default)
    {
        ValidateAgent(agentId);
        var now = Now;
        Metrics.AgentSeen(agentId, now);
        var task = await _store.ClaimAsync(agentId, allowed.Count == 0 ? TaskTypes.All : allowed, now, ct).ConfigureAwait(false);
        if (task != null) Metrics.TaskClaimed(task.Type);
        return task;
    }

    public async Task<HeartbeatReply> HeartbeatAsync(string agentId, TaskLease lease, double? progress, IReadOnlyList<TaskType> allowed, CancellationToken ct = default)
    {
        ValidateAgent(agentId);
        ValidateLease(lease);
        if (progress is { } p && (double.IsNaN(p) || p < 0 || p > 1)) throw new ArgumentException($"progress {p} is outside [0, 1]", nameof(progress));
        var status = await _store.HeartbeatAsync(lease, agentId, progress, Now, ct).ConfigureAwait(false);
        Metrics.AgentSeen(agentId, Now);
        if (status == LeaseStatus.Held) return new HeartbeatReply(LeaseStatus.Held, null);
        return new HeartbeatReply(LeaseStatus.Lost, await GetTaskAsync(agentId, allowed, ct).ConfigureAwait(false));
    }

    public async Task<ClaimedTask?> ReportSuccessAsync(string agentId, TaskLease lease, string outputJson, IReadOnlyList<TaskType> allowed, CancellationToken ct = default)
    {
        ValidateAgent(agentId);
        var (jobId, type, _) = ValidateLease(lease);
        // Only execute's output needs the job's spec to plan; the store ignores reports for jobs no longer running.
        var job = type == TaskType.Execute ? await _store.GetJobAsync(jobId, ct).ConfigureAwait(false) : null;
        if (type != TaskType.Execute || job is { State: JobState.Running })
        {
            TaskCompletion completion;
            try
            {
                completion = Plan(job?.Spec, type, outputJson);
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
            {
                // An output the planner cannot use is the task's failure, not the broker's.
                await FailTaskAsync(lease, type, $"malformed {type.Name()} output: {e.Message}", retry: true, ct).ConfigureAwait(false);
                return await GetTaskAsync(agentId, allowed, ct).ConfigureAwait(false);
            }
            var now = Now;
            var outcome = await _store.CompleteAsync(lease, outputJson, completion, now, ct).ConfigureAwait(false);
            if (outcome == ReportOutcome.Accepted)
            {
                if (completion.NewTasks.Count > 0) WorkAvailable.Notify();
                Metrics.TaskDuration(type, now - DateTimeOffset.FromUnixTimeMilliseconds(lease.StartedMs));
                if (type == TaskType.Finalize)
                {
                    var done = await _store.GetJobAsync(jobId, ct).ConfigureAwait(false);
                    if (done?.Execution is { } e && done.State == JobState.Succeeded) Metrics.CyclesProven(e.Cycles);
                }
            }
        }
        return await GetTaskAsync(agentId, allowed, ct).ConfigureAwait(false);
    }

    public async Task<ClaimedTask?> ReportErrorAsync(string agentId, TaskLease lease, string error, bool retry, IReadOnlyList<TaskType> allowed, CancellationToken ct = default, bool wantNext = true)
    {
        ValidateAgent(agentId);
        var (_, type, _) = ValidateLease(lease);
        if (string.IsNullOrWhiteSpace(error)) error = "the agent reported an error without a message";
        if (error.Length > 4000) error = error[..4000] + "…";
        // Claim the next task first, so the agent does not take the failed task straight back (Aztec does the same).
        var next = wantNext ? await GetTaskAsync(agentId, allowed, ct).ConfigureAwait(false) : null;
        await FailTaskAsync(lease, type, error, retry, ct).ConfigureAwait(false);
        return next;
    }

    private async Task FailTaskAsync(TaskLease lease, TaskType type, string error, bool retry, CancellationToken ct)
    {
        var outcome = await _store.FailAsync(lease, error, retry, Now, ct).ConfigureAwait(false);
        if (outcome != ReportOutcome.Accepted) return;
        if (retry) WorkAvailable.Notify();
        var job = await _store.GetJobAsync(TaskIds.Parse(lease.TaskId).JobId, ct).ConfigureAwait(false);
        if (job?.State == JobState.Failed) Metrics.TaskFailed(type);
        else Metrics.TaskRetried(type);
    }

    /// <summary>Requeues (or fails) tasks whose leases expired; returns how many.</summary>
    public async Task<int> ExpireLeasesAsync(CancellationToken ct = default)
    {
        var expired = await _store.ExpireLeasesAsync(Now, ct).ConfigureAwait(false);
        if (expired.Count > 0) WorkAvailable.Notify();
        foreach (var e in expired)
        {
            Metrics.TaskTimedOut(e.Type);
            if (e.JobFailed) Metrics.TaskFailed(e.Type);
        }
        return expired.Count;
    }

    private static TaskCompletion Plan(JobSpec? spec, TaskType type, string outputJson) => type switch
    {
        TaskType.Execute => JobPlanner.AfterExecute(spec!, ClusterJson.Deserialize<ExecuteTaskOutput>(outputJson)),
        TaskType.Prove => ParseProve(outputJson),
        TaskType.Finalize => JobPlanner.AfterFinalize(ClusterJson.Deserialize<FinalizeTaskOutput>(outputJson)),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static TaskCompletion ParseProve(string outputJson)
    {
        ClusterJson.Deserialize<ProveTaskOutput>(outputJson);
        return new TaskCompletion();
    }

    private static void ValidateAgent(string agentId)
    {
        if (string.IsNullOrWhiteSpace(agentId) || agentId.Length > 200) throw new ArgumentException("agentId must be 1 to 200 characters", nameof(agentId));
    }

    private static (string JobId, TaskType Type, int Index) ValidateLease(TaskLease? lease)
    {
        if (lease == null) throw new ArgumentException("lease is required", nameof(lease));
        try { return TaskIds.Parse(lease.TaskId); }
        catch (FormatException e) { throw new ArgumentException(e.Message, nameof(lease), e); }
    }
}

/// <summary>The node's embedded agents talk to the broker directly, without HTTP.</summary>
public sealed class InProcessBrokerConnection(ProvingBroker broker) : IBrokerConnection
{
    public IBlobStore Blobs => broker.Blobs;

    public Task<ClaimedTask?> GetTaskAsync(string agentId, IReadOnlyList<TaskType> allowed, CancellationToken ct) =>
        broker.GetTaskAsync(agentId, allowed, ct);

    public Task<HeartbeatReply> HeartbeatAsync(string agentId, TaskLease lease, double? progress, IReadOnlyList<TaskType> allowed, CancellationToken ct) =>
        broker.HeartbeatAsync(agentId, lease, progress, allowed, ct);

    public Task<ClaimedTask?> ReportSuccessAsync(string agentId, TaskLease lease, string outputJson, IReadOnlyList<TaskType> allowed, CancellationToken ct) =>
        broker.ReportSuccessAsync(agentId, lease, outputJson, allowed, ct);

    public Task<ClaimedTask?> ReportErrorAsync(string agentId, TaskLease lease, string error, bool retry, IReadOnlyList<TaskType> allowed, CancellationToken ct, bool wantNext = true) =>
        broker.ReportErrorAsync(agentId, lease, error, retry, allowed, ct, wantNext);

    public Task WaitForWorkAsync(TimeSpan timeout, CancellationToken ct) => broker.WorkAvailable.WaitAsync(timeout, ct);
}
