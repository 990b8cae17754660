using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>
/// The durable job and task store (DESIGN §5) — SQLite for one machine, PostgreSQL for a cluster; both pass the
/// same test suite. Every method is one transaction: a crash at any point leaves the previous or the next state,
/// never a mix. Times are passed in (not read from the clock) so tests and the broker control them.
///
/// Semantics every implementation keeps:
/// <list type="bullet">
/// <item>Claims pick a Ready task whose type is allowed and whose ready_at ≤ now, ordered by: job deadline (none
/// last), job priority (higher first), task stage (<see cref="TaskTypes.Stage"/>: finalize, prove, execute), job
/// creation order, task index. Two concurrent claims never get the same task.</item>
/// <item>Leases expire at <see cref="TaskPolicies.LeaseExpiry"/>; heartbeats renew them. The earlier lease wins: a
/// heartbeat carrying a lease older than the current one (or for a task requeued after its lease expired) takes the
/// task back; a newer one is told <see cref="LeaseStatus.Lost"/>.</item>
/// <item>Success is accepted from any lease while the task is Ready or Running and its job Running (first result
/// wins; later ones are <see cref="ReportOutcome.Duplicate"/>). Errors are accepted only from the current lease.</item>
/// <item>When a task is done, dependents whose prerequisites are all done become Ready. When a task fails for good
/// its job fails with "&lt;type&gt; task &lt;index&gt; failed after N attempt(s): &lt;last error&gt;" and every
/// unfinished task of the job is Cancelled.</item>
/// </list>
/// </summary>
public interface ITaskStore : IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema to the newest version (versioned migrations); safe to call on every start.</summary>
    Task MigrateAsync(CancellationToken ct = default);

    /// <summary>The schema version now in the database.</summary>
    Task<int> SchemaVersionAsync(CancellationToken ct = default);

    /// <summary>Inserts a Running job and its initial tasks (tasks without prerequisites are Ready). Idempotent per job id.</summary>
    Task<JobRecord> CreateJobAsync(string jobId, JobSpec spec, IReadOnlyList<NewTask> initialTasks, DateTimeOffset now, CancellationToken ct = default);

    Task<JobRecord?> GetJobAsync(string jobId, CancellationToken ct = default);

    /// <summary>The job's tasks counted per type and state (every type of the job present, even if all zero).</summary>
    Task<IReadOnlyList<TaskCounts>> GetTaskCountsAsync(string jobId, CancellationToken ct = default);

    /// <summary>Leases the best Ready task of an allowed type to <paramref name="agentId"/> (attempt + 1), or null.</summary>
    Task<ClaimedTask?> ClaimAsync(string agentId, IReadOnlyList<TaskType> allowed, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Renews (or, earlier lease wins, takes back) a lease and records progress in [0, 1].</summary>
    Task<LeaseStatus> HeartbeatAsync(TaskLease lease, string agentId, double? progress, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Marks the task done with <paramref name="outputJson"/> and applies <paramref name="completion"/>.</summary>
    Task<ReportOutcome> CompleteAsync(TaskLease lease, string outputJson, TaskCompletion completion, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// Records an error from the current lease. With <paramref name="retry"/> and attempts left the task is Ready again
    /// after the type's backoff; otherwise it fails and fails its job.
    /// </summary>
    Task<ReportOutcome> FailAsync(TaskLease lease, string error, bool retry, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// Requeues every Running task whose lease expired before <paramref name="now"/> (the expired lease counted as an
    /// attempt); a task out of attempts fails its job with "timed out".
    /// </summary>
    Task<IReadOnlyList<ExpiredLease>> ExpireLeasesAsync(DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// Cancels a Running job and its unfinished tasks, recording <paramref name="reason"/> as the job's error (null for
    /// a cancel by the client). False if the job is unknown or already ended.
    /// </summary>
    Task<bool> CancelJobAsync(string jobId, DateTimeOffset now, string? reason = null, CancellationToken ct = default);

    /// <summary>Running jobs whose deadline is before <paramref name="deadlineBefore"/> or that were created before
    /// <paramref name="createdBefore"/> (the broker expires them), oldest first.</summary>
    Task<IReadOnlyList<JobRecord>> ExpiredRunningJobsAsync(DateTimeOffset deadlineBefore, DateTimeOffset createdBefore, int limit, CancellationToken ct = default);

    /// <summary>Records the first download of the job's receipt.</summary>
    Task MarkReceiptFetchedAsync(string jobId, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// Ended jobs whose blobs are still there and that are due for cleanup: failed or cancelled jobs, succeeded jobs
    /// whose receipt was fetched before <paramref name="fetchedBefore"/>, and any ended job that finished before
    /// <paramref name="finishedBefore"/>. Oldest first.
    /// </summary>
    Task<IReadOnlyList<JobRecord>> JobsToReapAsync(DateTimeOffset fetchedBefore, DateTimeOffset finishedBefore, int limit, CancellationToken ct = default);

    /// <summary>Records that the job's blobs are gone.</summary>
    Task MarkBlobsDeletedAsync(string jobId, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// True when some job that is Running, or has not had its blobs deleted, uses this image (or input): the blob
    /// must stay.
    /// </summary>
    Task<bool> IsImageInUseAsync(string imageId, CancellationToken ct = default);
    Task<bool> IsInputInUseAsync(string inputId, CancellationToken ct = default);

    /// <summary>
    /// The task's lease as recorded (id, holder, expiry, state) with its job's id, state and segments, or null for an
    /// unknown task: the blob proxy allows an agent's request only for the current lease of a Running task.
    /// </summary>
    Task<TaskLeaseInfo?> GetTaskLeaseAsync(string taskId, CancellationToken ct = default);

    /// <summary>Jobs by state and tasks by type and state, for /metrics.</summary>
    Task<StoreStats> StatsAsync(CancellationToken ct = default);
}
