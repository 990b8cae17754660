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

    /// <summary>
    /// Applies a success report: the output is checked (<see cref="TaskOutputChecks"/>; a prove or finalize output's
    /// blob must be in the blob store) and planned, and the store completes the task only if the lease is the one it
    /// records. A bad output fails the task instead. Metrics count only what the store accepted.
    /// </summary>
    public async Task<ClaimedTask?> ReportSuccessAsync(string agentId, TaskLease lease, string outputJson, IReadOnlyList<TaskType> allowed, CancellationToken ct = default)
    {
        ValidateAgent(agentId);
        var (jobId, type, index) = ValidateLease(lease);
        ArgumentNullException.ThrowIfNull(outputJson);
        if (!await IsIssuedToAsync(agentId, lease, ct).ConfigureAwait(false)) return await GetTaskAsync(agentId, allowed, ct).ConfigureAwait(false);
        // Execute and finalize outputs are checked against the job's spec; the store ignores reports for ended jobs.
        var job = type == TaskType.Prove ? null : await _store.GetJobAsync(jobId, ct).ConfigureAwait(false);
        if (type == TaskType.Prove || job is { State: JobState.Running })
        {
            TaskCompletion completion;
            try
            {
                completion = await CheckAndPlanAsync(job?.Spec, jobId, type, index, outputJson, ct).ConfigureAwait(false);
            }
            catch (TaskOutputException e)
            {
                // An output the node cannot accept is the task's failure, not the broker's.
                await FailTaskAsync(lease, type, e.Message, e.Retry, ct).ConfigureAwait(false);
                return await GetTaskAsync(agentId, allowed, ct).ConfigureAwait(false);
            }
            var now = Now;
            var outcome = await _store.CompleteAsync(lease, outputJson, completion, now, ct).ConfigureAwait(false);
            if (outcome == ReportOutcome.Accepted)
            {
                if (completion.NewTasks.Count > 0) WorkAvailable.Notify();
                // The store matched the lease's start against its record, so this is the attempt's real duration.
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

    /// <summary>
    /// Applies an error report: the task is retried or fails (from its current lease only). With
    /// <paramref name="redo"/> (a finalize task that found proofs missing or corrupted) those prerequisites run again
    /// and the task waits for them, without using an attempt (bounded per prerequisite by
    /// <see cref="TaskPolicy.MaxRepairs"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A redo entry that is not a prove task of the reporting finalize task's job.</exception>
    public async Task<ClaimedTask?> ReportErrorAsync(string agentId, TaskLease lease, string error, bool retry, IReadOnlyList<TaskType> allowed, CancellationToken ct = default, bool wantNext = true,
        IReadOnlyList<TaskRef>? redo = null)
    {
        ValidateAgent(agentId);
        var (_, type, _) = ValidateLease(lease);
        if (string.IsNullOrWhiteSpace(error)) error = "the agent reported an error without a message";
        if (error.Length > 4000) error = error[..4000] + "…";
        if (redo is { Count: > 0 }) ValidateRedo(type, redo);
        if (!await IsIssuedToAsync(agentId, lease, ct).ConfigureAwait(false))
            return wantNext ? await GetTaskAsync(agentId, allowed, ct).ConfigureAwait(false) : null;
        // Claim the next task first, so the agent does not take the failed task straight back (Aztec does the same).
        var next = wantNext ? await GetTaskAsync(agentId, allowed, ct).ConfigureAwait(false) : null;
        if (redo is { Count: > 0 }) await RedoAsync(lease, type, redo, error, ct).ConfigureAwait(false);
        else await FailTaskAsync(lease, type, error, retry, ct).ConfigureAwait(false);
        return next;
    }

    /// <summary>
    /// Whether the store issued <paramref name="lease"/> to <paramref name="agentId"/>. Lease ids are sequential, so
    /// another agent could guess a current one; the agent id is bound to the caller's credentials by the RPC, and a
    /// lease's agent never changes, so checking it before the store's own (atomic) lease check is enough. A report from
    /// any other agent is ignored.
    /// </summary>
    private async Task<bool> IsIssuedToAsync(string agentId, TaskLease lease, CancellationToken ct)
    {
        var recorded = await _store.GetTaskLeaseAsync(lease.TaskId, ct).ConfigureAwait(false);
        return recorded is { LeaseId: { } id, AgentId: { } holder } && id == lease.LeaseId && holder == agentId;
    }

    private static void ValidateRedo(TaskType type, IReadOnlyList<TaskRef> redo)
    {
        if (type != TaskType.Finalize)
            throw new ArgumentException($"only a finalize task may ask for tasks to run again, not a {type.Name()} task", nameof(redo));
        if (redo.Count > 1 << 20) throw new ArgumentException($"{redo.Count} tasks to run again is more than any job has", nameof(redo));
        foreach (var r in redo)
        {
            if (r is null || r.Type != TaskType.Prove || r.Index < 0)
                throw new ArgumentException($"'{r}' is not a prove task: only proofs can be made again", nameof(redo));
        }
    }

    private async Task RedoAsync(TaskLease lease, TaskType type, IReadOnlyList<TaskRef> redo, string error, CancellationToken ct)
    {
        var outcome = await _store.RedoAsync(lease, redo, error, Now, ct).ConfigureAwait(false);
        if (outcome != ReportOutcome.Accepted) return;
        WorkAvailable.Notify();
        var job = await _store.GetJobAsync(TaskIds.Parse(lease.TaskId).JobId, ct).ConfigureAwait(false);
        if (job?.State == JobState.Failed) Metrics.TaskFailed(type);
        else Metrics.TaskRetried(type);
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

    /// <summary>
    /// Requeues, without using an attempt, the tasks that agents whose ids start with <paramref name="agentIdPrefix"/>
    /// held when their node stopped (called on start, before the node's embedded agents run); returns how many.
    /// </summary>
    public async Task<int> RequeueTasksOfAgentsAsync(string agentIdPrefix, CancellationToken ct = default)
    {
        ValidateAgent(agentIdPrefix);
        var requeued = await _store.RequeueTasksOfAgentsAsync(agentIdPrefix, Now, ct).ConfigureAwait(false);
        if (requeued.Count > 0) WorkAvailable.Notify();
        foreach (var r in requeued)
        {
            if (r.JobFailed) Metrics.TaskFailed(r.Type);
            else Metrics.TaskRetried(r.Type);
        }
        return requeued.Count;
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

    /// <summary>Checks the output (see <see cref="TaskOutputChecks"/>) and turns it into the store's completion.</summary>
    private async Task<TaskCompletion> CheckAndPlanAsync(JobSpec? spec, string jobId, TaskType type, int index, string outputJson, CancellationToken ct)
    {
        switch (type)
        {
            case TaskType.Execute:
            {
                var output = TaskOutputChecks.Parse<ExecuteTaskOutput>(type, outputJson);
                TaskOutputChecks.Execute(output, spec!, Options);
                return JobPlanner.AfterExecute(spec!, output);
            }
            case TaskType.Prove:
            {
                TaskOutputChecks.Prove(TaskOutputChecks.Parse<ProveTaskOutput>(type, outputJson));
                await RequireBlobAsync(BlobKeys.Proof(jobId, index), "proof", ct).ConfigureAwait(false);
                return new TaskCompletion();
            }
            case TaskType.Finalize:
            {
                var output = TaskOutputChecks.Parse<FinalizeTaskOutput>(type, outputJson);
                TaskOutputChecks.Finalize(output, spec!);
                await RequireBlobAsync(BlobKeys.Receipt(jobId), "receipt", ct).ConfigureAwait(false);
                return JobPlanner.AfterFinalize(output);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    private async Task RequireBlobAsync(string key, string what, CancellationToken ct)
    {
        if (!await Blobs.ExistsAsync(key, ct).ConfigureAwait(false))
            throw new TaskOutputException($"the task reported success but its {what} '{key}' is not in the blob store");
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

    public Task<ClaimedTask?> ReportErrorAsync(string agentId, TaskLease lease, string error, bool retry, IReadOnlyList<TaskType> allowed, CancellationToken ct, bool wantNext = true,
        IReadOnlyList<TaskRef>? redo = null) =>
        broker.ReportErrorAsync(agentId, lease, error, retry, allowed, ct, wantNext, redo);

    public Task WaitForWorkAsync(TimeSpan timeout, CancellationToken ct) => broker.WorkAvailable.WaitAsync(timeout, ct);
}
