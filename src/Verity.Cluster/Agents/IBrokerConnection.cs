using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;

namespace Verity.Cluster.Agents;

/// <summary>
/// How an agent talks to the proving broker (DESIGN §5, the shape of Aztec's proving-broker API): get a task with an
/// allow-list of types, heartbeat with progress, report success or error-with-retry; every report returns the next
/// task. In-process for the node's embedded agents, JSON-RPC over HTTP for <c>verity agent</c>.
/// </summary>
public interface IBrokerConnection
{
    /// <summary>Blob access for task inputs and outputs (direct in-process, proxied by the node over HTTP).</summary>
    IBlobStore Blobs { get; }

    /// <summary>
    /// Blob access for one claimed task: over HTTP, requests that name the task and its lease, which the node checks
    /// (an agent may read only that task's inputs and write only its outputs). In-process, <see cref="Blobs"/>.
    /// </summary>
    IBlobStore BlobsFor(ClaimedTask task) => Blobs;

    Task<ClaimedTask?> GetTaskAsync(string agentId, IReadOnlyList<TaskType> allowed, CancellationToken ct);

    /// <summary>Renews the lease; when it is lost, also returns the agent's next task (or null).</summary>
    Task<HeartbeatReply> HeartbeatAsync(string agentId, TaskLease lease, double? progress, IReadOnlyList<TaskType> allowed, CancellationToken ct);

    /// <summary>Reports the task's output; returns the next task (or null).</summary>
    Task<ClaimedTask?> ReportSuccessAsync(string agentId, TaskLease lease, string outputJson, IReadOnlyList<TaskType> allowed, CancellationToken ct);

    /// <summary>
    /// Reports an error (retry: whether another attempt can help); returns the next task, or null (always null when
    /// <paramref name="wantNext"/> is false: an agent that is stopping). <paramref name="redo"/>: done prerequisites
    /// whose outputs the task found missing or corrupted, to run again before the task (a finalize task's proofs).
    /// </summary>
    Task<ClaimedTask?> ReportErrorAsync(string agentId, TaskLease lease, string error, bool retry, IReadOnlyList<TaskType> allowed, CancellationToken ct, bool wantNext = true,
        IReadOnlyList<TaskRef>? redo = null);

    /// <summary>An idle agent's wait before asking again: the poll interval, cut short when the connection learns of
    /// new work (in-process).</summary>
    Task WaitForWorkAsync(TimeSpan timeout, CancellationToken ct) => Task.Delay(timeout, ct);
}

/// <summary>A heartbeat's answer: whether the lease is still the caller's, and its next task when it is not.</summary>
public sealed record HeartbeatReply(LeaseStatus Status, ClaimedTask? Next);
