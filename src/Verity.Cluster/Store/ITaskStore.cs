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
/// <item>The store's own record decides who holds a task: a heartbeat, success or error counts only when its lease
/// (id and start time) is the one the store last issued for the task and still records. A Running task's lease renews
/// on heartbeat (never past the attempt's max duration, counted from the recorded start); a task requeued after ITS
/// lease expired keeps that lease recorded, so its holder may take it back by heartbeat (no new attempt) or finish it,
/// until another claim issues a new lease. A lease the store never issued for the task, one replaced by a newer claim,
/// and one handed back by an error report never win, whatever start time the caller claims.</item>
/// <item>Success is accepted only from that lease while the task is Running (or Ready after its expiry) and its job
/// Running; a task already done answers <see cref="ReportOutcome.Duplicate"/>, anything else
/// <see cref="ReportOutcome.Ignored"/>. Errors are accepted only from the current lease of a Running task.</item>
/// <item>A node's restart requeues the Running tasks its embedded agents held (<see cref="RequeueTasksOfAgentsAsync"/>)
/// without using an attempt, bounded by <see cref="TaskPolicy.MaxInterruptions"/>; a dependent that finds a done
/// prerequisite's output unusable has it run again (<see cref="RedoAsync"/>), bounded by
/// <see cref="TaskPolicy.MaxRepairs"/>.</item>
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
    /// <exception cref="BlobBeingDeletedException">Cleanup has claimed the job's image or input for deletion.</exception>
    Task<JobRecord> CreateJobAsync(string jobId, JobSpec spec, IReadOnlyList<NewTask> initialTasks, DateTimeOffset now, CancellationToken ct = default);

    Task<JobRecord?> GetJobAsync(string jobId, CancellationToken ct = default);

    /// <summary>The job's tasks counted per type and state (every type of the job present, even if all zero).</summary>
    Task<IReadOnlyList<TaskCounts>> GetTaskCountsAsync(string jobId, CancellationToken ct = default);

    /// <summary>Leases the best Ready task of an allowed type to <paramref name="agentId"/> (attempt + 1), or null.</summary>
    Task<ClaimedTask?> ClaimAsync(string agentId, IReadOnlyList<TaskType> allowed, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Renews the task's current lease (or takes back the task requeued after that lease expired) and records
    /// progress in [0, 1]; <see cref="LeaseStatus.Lost"/> for any other lease.</summary>
    Task<LeaseStatus> HeartbeatAsync(TaskLease lease, string agentId, double? progress, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Marks the task done with <paramref name="outputJson"/> and applies <paramref name="completion"/>, if
    /// <paramref name="lease"/> is the task's recorded lease (see the class remarks).</summary>
    Task<ReportOutcome> CompleteAsync(TaskLease lease, string outputJson, TaskCompletion completion, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// Records an error from the current lease. With <paramref name="retry"/> and attempts left the task is Ready again
    /// after the type's backoff; otherwise it fails and fails its job.
    /// </summary>
    Task<ReportOutcome> FailAsync(TaskLease lease, string error, bool retry, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// A dependent's error that blames done prerequisites (a finalize task whose proofs are missing or corrupted): from
    /// the reporting task's current lease only, every <paramref name="redo"/> task that is done is made Ready again
    /// (fresh attempts, one repair counted; past <see cref="TaskPolicy.MaxRepairs"/> the job fails naming it) and the
    /// reporting task waits for them again without using an attempt. Atomic.
    /// </summary>
    /// <exception cref="ArgumentException">A <paramref name="redo"/> entry that is not a prerequisite of the task.</exception>
    Task<ReportOutcome> RedoAsync(TaskLease lease, IReadOnlyList<TaskRef> redo, string error, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// Requeues at once every Running task leased to an agent whose id starts with <paramref name="agentIdPrefix"/> (the
    /// node's embedded agents, after the node restarted) without using an attempt, counting an interruption; a task
    /// interrupted <see cref="TaskPolicy.MaxInterruptions"/> times fails its job. Returns what it did (JobFailed: the
    /// task failed its job).
    /// </summary>
    Task<IReadOnlyList<ExpiredLease>> RequeueTasksOfAgentsAsync(string agentIdPrefix, DateTimeOffset now, CancellationToken ct = default);

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
    /// Claims an image or input for deletion: true (and recorded) only if no job uses it as <see cref="IsImageInUseAsync"/>
    /// defines. While the claim stands (until <see cref="ReleaseBlobDeletionAsync"/>, or
    /// <see cref="BlobClaimLifetime"/> for a cleanup that died), <see cref="CreateJobAsync"/> refuses jobs that name
    /// the blob (<see cref="BlobBeingDeletedException"/>), so the check and a job's creation never interleave.
    /// </summary>
    Task<bool> TryClaimBlobDeletionAsync(SharedBlob kind, string id, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Ends a deletion claim (the blob is gone, or was kept).</summary>
    Task ReleaseBlobDeletionAsync(SharedBlob kind, string id, CancellationToken ct = default);

    /// <summary>How long a deletion claim blocks job creation if its cleanup never releases it.</summary>
    static TimeSpan BlobClaimLifetime => TimeSpan.FromMinutes(10);

    /// <summary>
    /// Deletes up to <paramref name="limit"/> ended jobs whose blobs are gone and that finished before
    /// <paramref name="finishedBefore"/>, with their tasks and dependencies (oldest first); returns how many jobs.
    /// </summary>
    Task<int> DeleteEndedJobsAsync(DateTimeOffset finishedBefore, int limit, CancellationToken ct = default);

    /// <summary>
    /// The task's lease as recorded (id, holder, expiry, state) with its job's id, state and segments, or null for an
    /// unknown task: the blob proxy allows an agent's request only for the current lease of a Running task.
    /// </summary>
    Task<TaskLeaseInfo?> GetTaskLeaseAsync(string taskId, CancellationToken ct = default);

    /// <summary>Jobs by state and tasks by type and state, for /metrics.</summary>
    Task<StoreStats> StatsAsync(CancellationToken ct = default);
}
