using Verity.Cluster.Jobs;
using Verity.Cluster.Store;

namespace Verity.Node.Tests.TestDoubles;

/// <summary>
/// TEST DOUBLE, not shipped: wraps any <see cref="ITaskStore"/> (the in-memory one today, SQLite once it lands) so
/// tests can see whether the node migrated and disposed it, and can make it fail (<see cref="Unavailable"/>) to test
/// /health and /metrics with the store down.
/// </summary>
internal sealed class ObservedTaskStore(ITaskStore inner) : ITaskStore, IAgentCredentialStore
{
    public volatile bool Unavailable;

    /// <summary>Runs against the store just before it is disposed: the state the node left behind when it stopped.</summary>
    public Func<ITaskStore, Task>? BeforeDispose { get; set; }

    public bool Migrated { get; private set; }
    public bool Disposed { get; private set; }

    private ITaskStore Inner
    {
        get
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            if (Unavailable) throw new InvalidOperationException("the test store is unavailable");
            return inner;
        }
    }

    public async Task MigrateAsync(CancellationToken ct = default)
    {
        await Inner.MigrateAsync(ct);
        Migrated = true;
    }

    public Task<int> SchemaVersionAsync(CancellationToken ct = default) => Inner.SchemaVersionAsync(ct);

    public Task<JobRecord> CreateJobAsync(string jobId, JobSpec spec, IReadOnlyList<NewTask> initialTasks, DateTimeOffset now, CancellationToken ct = default) =>
        Inner.CreateJobAsync(jobId, spec, initialTasks, now, ct);

    public Task<JobRecord?> GetJobAsync(string jobId, CancellationToken ct = default) => Inner.GetJobAsync(jobId, ct);

    public Task<IReadOnlyList<TaskCounts>> GetTaskCountsAsync(string jobId, CancellationToken ct = default) => Inner.GetTaskCountsAsync(jobId, ct);

    public Task<ClaimedTask?> ClaimAsync(string agentId, IReadOnlyList<TaskType> allowed, DateTimeOffset now, CancellationToken ct = default) =>
        Inner.ClaimAsync(agentId, allowed, now, ct);

    public Task<LeaseStatus> HeartbeatAsync(TaskLease lease, string agentId, double? progress, DateTimeOffset now, CancellationToken ct = default) =>
        Inner.HeartbeatAsync(lease, agentId, progress, now, ct);

    public Task<ReportOutcome> CompleteAsync(TaskLease lease, string outputJson, TaskCompletion completion, DateTimeOffset now, CancellationToken ct = default) =>
        Inner.CompleteAsync(lease, outputJson, completion, now, ct);

    public Task<ReportOutcome> FailAsync(TaskLease lease, string error, bool retry, DateTimeOffset now, CancellationToken ct = default) =>
        Inner.FailAsync(lease, error, retry, now, ct);

    public Task<IReadOnlyList<ExpiredLease>> ExpireLeasesAsync(DateTimeOffset now, CancellationToken ct = default) => Inner.ExpireLeasesAsync(now, ct);

    public Task<bool> CancelJobAsync(string jobId, DateTimeOffset now, string? reason = null, CancellationToken ct = default) =>
        Inner.CancelJobAsync(jobId, now, reason, ct);

    public Task<IReadOnlyList<JobRecord>> ExpiredRunningJobsAsync(DateTimeOffset deadlineBefore, DateTimeOffset createdBefore, int limit, CancellationToken ct = default) =>
        Inner.ExpiredRunningJobsAsync(deadlineBefore, createdBefore, limit, ct);

    public Task MarkReceiptFetchedAsync(string jobId, DateTimeOffset now, CancellationToken ct = default) => Inner.MarkReceiptFetchedAsync(jobId, now, ct);

    public Task<IReadOnlyList<JobRecord>> JobsToReapAsync(DateTimeOffset fetchedBefore, DateTimeOffset finishedBefore, int limit, CancellationToken ct = default) =>
        Inner.JobsToReapAsync(fetchedBefore, finishedBefore, limit, ct);

    public Task MarkBlobsDeletedAsync(string jobId, DateTimeOffset now, CancellationToken ct = default) => Inner.MarkBlobsDeletedAsync(jobId, now, ct);

    public Task<bool> IsImageInUseAsync(string imageId, CancellationToken ct = default) => Inner.IsImageInUseAsync(imageId, ct);

    public Task<bool> IsInputInUseAsync(string inputId, CancellationToken ct = default) => Inner.IsInputInUseAsync(inputId, ct);

    public Task<StoreStats> StatsAsync(CancellationToken ct = default) => Inner.StatsAsync(ct);

    public Task<ReportOutcome> RedoAsync(TaskLease lease, IReadOnlyList<TaskRef> redo, string error, DateTimeOffset now, CancellationToken ct = default) =>
        Inner.RedoAsync(lease, redo, error, now, ct);

    public Task<IReadOnlyList<ExpiredLease>> RequeueTasksOfAgentsAsync(string agentIdPrefix, DateTimeOffset now, CancellationToken ct = default) =>
        Inner.RequeueTasksOfAgentsAsync(agentIdPrefix, now, ct);

    public Task<bool> TryClaimBlobDeletionAsync(SharedBlob kind, string id, DateTimeOffset now, CancellationToken ct = default) =>
        Inner.TryClaimBlobDeletionAsync(kind, id, now, ct);

    public Task ReleaseBlobDeletionAsync(SharedBlob kind, string id, CancellationToken ct = default) => Inner.ReleaseBlobDeletionAsync(kind, id, ct);

    public Task<int> DeleteEndedJobsAsync(DateTimeOffset finishedBefore, int limit, CancellationToken ct = default) =>
        Inner.DeleteEndedJobsAsync(finishedBefore, limit, ct);

    public Task<TaskLeaseInfo?> GetTaskLeaseAsync(string taskId, CancellationToken ct = default) => Inner.GetTaskLeaseAsync(taskId, ct);

    private IAgentCredentialStore Credentials => (IAgentCredentialStore)Inner;

    public Task<bool> AddAgentCredentialAsync(string name, string tokenSha256Hex, DateTimeOffset now, CancellationToken ct = default) =>
        Credentials.AddAgentCredentialAsync(name, tokenSha256Hex, now, ct);

    public Task<bool> RevokeAgentCredentialAsync(string name, DateTimeOffset now, CancellationToken ct = default) =>
        Credentials.RevokeAgentCredentialAsync(name, now, ct);

    public Task<IReadOnlyList<AgentCredential>> ListAgentCredentialsAsync(CancellationToken ct = default) => Credentials.ListAgentCredentialsAsync(ct);

    public Task<string?> FindAgentByTokenAsync(string tokenSha256Hex, CancellationToken ct = default) => Credentials.FindAgentByTokenAsync(tokenSha256Hex, ct);

    public async ValueTask DisposeAsync()
    {
        if (Disposed) return;
        if (BeforeDispose != null) await BeforeDispose(inner);
        Disposed = true;
        await inner.DisposeAsync();
    }

    /// <summary>Jobs in the store, whatever their state.</summary>
    public async Task<long> JobCountAsync() => (await inner.StatsAsync()).JobsByState.Values.Sum();
}
