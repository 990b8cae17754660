using Dapper;
using Microsoft.Data.Sqlite;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cluster.Store.Sqlite;

/// <summary>
/// The embedded task store (DESIGN §5): one SQLite file in the node's data directory, in WAL mode with
/// synchronous=NORMAL (a committed transaction survives a process crash). SQLite has one writer at a time, so writes are
/// serialized inside the process by a semaphore on one long-lived connection, and each runs as BEGIN IMMEDIATE so that
/// two processes on one file queue on the database lock (busy_timeout) instead of failing mid-transaction. Reads use
/// their own pooled connections and run concurrently with the writer.
/// </summary>
public sealed partial class SqliteTaskStore : ITaskStore
{
    private readonly int _busyTimeoutMs;
    private readonly string _connectionString;
    private readonly PolicyTable _policy;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private SqliteConnection? _writer;
    private volatile bool _disposed;

    /// <param name="pathOrConnectionString">The database file's path, or a connection string ("Data Source=...").</param>
    /// <param name="policies">Lease and retry rules per task type.</param>
    /// <param name="busyTimeout">How long a write waits for another process's lock on the file before it fails
    /// (default 10 s).</param>
    public SqliteTaskStore(string pathOrConnectionString, TaskPolicies policies, TimeSpan? busyTimeout = null)
    {
        if (string.IsNullOrWhiteSpace(pathOrConnectionString))
            throw new ArgumentException("the SQLite database path is empty", nameof(pathOrConnectionString));
        _policy = new PolicyTable(policies);
        var busy = busyTimeout ?? TimeSpan.FromSeconds(10);
        if (busy <= TimeSpan.Zero || busy > TimeSpan.FromHours(1))
            throw new ArgumentOutOfRangeException(nameof(busyTimeout), busy, "the SQLite busy timeout must be positive and at most an hour");
        _busyTimeoutMs = (int)Math.Ceiling(busy.TotalMilliseconds);
        SqliteConnectionStringBuilder builder;
        if (LooksLikeConnectionString(pathOrConnectionString))
        {
            try { builder = new SqliteConnectionStringBuilder(pathOrConnectionString); }
            catch (ArgumentException e) { throw new ArgumentException($"invalid SQLite connection string: {e.Message}", nameof(pathOrConnectionString), e); }
        }
        else
        {
            builder = new SqliteConnectionStringBuilder { DataSource = pathOrConnectionString };
        }
        builder.Pooling = true;
        builder.DefaultTimeout = Math.Max(1, _busyTimeoutMs / 1000);
        _connectionString = builder.ToString();
        Name = $"SQLite task store ({builder.DataSource})";
    }

    /// <summary>Names the store and its file in errors.</summary>
    public string Name { get; }

    public override string ToString() => Name;

    private static bool LooksLikeConnectionString(string s) =>
        s.Contains('=') && (s.Contains("Data Source", StringComparison.OrdinalIgnoreCase)
                            || s.Contains("DataSource", StringComparison.OrdinalIgnoreCase)
                            || s.Contains("Filename", StringComparison.OrdinalIgnoreCase));

    // ---- plumbing ------------------------------------------------------------------------------------------------

    /// <summary>Runs <paramref name="work"/> as one write transaction (BEGIN IMMEDIATE) on the writer connection.</summary>
    private async Task<T> WriteAsync<T>(string operation, Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var c = _writer ??= OpenWriter();
            using var tx = c.BeginTransaction(deferred: false);
            var result = work(c, tx);
            tx.Commit();
            return result;
        }
        catch (Exception e) when (StoreFailures.IsDatabaseFailure(e))
        {
            // A broken connection is reopened by the next write.
            _writer?.Dispose();
            _writer = null;
            throw new TaskStoreException(Name, operation, e);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private SqliteConnection OpenWriter()
    {
        var c = new SqliteConnection(_connectionString);
        try
        {
            c.Open();
            c.Execute($"PRAGMA busy_timeout = {_busyTimeoutMs}");
            c.Execute(SqliteSql.Pragmas);
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> on a pooled read connection inside one deferred (snapshot) transaction.</summary>
    private async Task<T> ReadAsync<T>(string operation, Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            await using var c = new SqliteConnection(_connectionString);
            await c.OpenAsync(ct).ConfigureAwait(false);
            c.Execute($"PRAGMA busy_timeout = {_busyTimeoutMs}");
            using var tx = c.BeginTransaction(deferred: true);
            return work(c, tx);
        }
        catch (Exception e) when (StoreFailures.IsDatabaseFailure(e))
        {
            throw new TaskStoreException(Name, operation, e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
                _writer = null;
            }
            // Close the idle pooled read connections too, so the file is free (tests delete it; a restart reopens it).
            using var probe = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(probe);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    // ---- schema --------------------------------------------------------------------------------------------------

    public Task MigrateAsync(CancellationToken ct = default) =>
        WriteAsync("migrate", (c, tx) =>
        {
            MigrationRunner.ApplyAsync(c, tx, SqliteSchema.Migrations, Name, ct).GetAwaiter().GetResult();
            return 0;
        }, ct);

    public Task<int> SchemaVersionAsync(CancellationToken ct = default) =>
        ReadAsync("read the schema version", (c, tx) =>
            c.ExecuteScalar<long>(SqliteSql.HasMigrationsTable, transaction: tx) == 0
                ? 0
                : c.ExecuteScalar<int?>(MigrationRunner.CurrentVersionSql, transaction: tx) ?? 0, ct);

    // ---- jobs ----------------------------------------------------------------------------------------------------

    public Task<JobRecord> CreateJobAsync(string jobId, JobSpec spec, IReadOnlyList<NewTask> initialTasks, DateTimeOffset now,
        CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        ArgumentNullException.ThrowIfNull(spec);
        var batch = NewTaskBatch.Plan(jobId, initialTasks, nameof(initialTasks));
        long nowMs = StoreTime.Ms(now);
        return WriteAsync("create job " + jobId, (c, tx) =>
        {
            var existing = c.QuerySingleOrDefault<JobRow>(CommonSql.JobById, new { JobId = jobId }, tx);
            if (existing is not null) return existing.ToRecord();
            // One writer at a time: a deletion claim is either committed (and seen here) or comes after this job.
            BlobClaims.RefuseClaimed(c.Query<string>(CommonSql.ClaimedBlobs, BlobClaims.Args(spec, nowMs), tx), spec);
            long? deadlineMs = spec.Deadline?.ToUnixTimeMilliseconds();
            long seq = c.ExecuteScalar<long>(SqliteSql.InsertJob, new
            {
                JobId = jobId,
                SpecJson = ClusterJson.Serialize(spec),
                spec.ImageId,
                spec.InputId,
                DeadlineMs = deadlineMs,
                spec.Priority,
                Now = nowMs,
            }, tx);
            InsertTasks(c, tx, seq, TaskOrder.DeadlineKey(deadlineMs), spec.Priority, batch, nowMs, nameof(initialTasks));
            return c.QuerySingle<JobRow>(CommonSql.JobById, new { JobId = jobId }, tx).ToRecord();
        }, ct);
    }

    /// <summary>Inserts the tasks that are not there yet (one prepared statement, reused per row); a new task with
    /// prerequisites waits on those not yet done.</summary>
    private static void InsertTasks(SqliteConnection c, SqliteTransaction tx, long jobSeq, long deadlineKey, int priority,
        NewTaskBatch batch, long nowMs, string paramName)
    {
        if (batch.IsEmpty) return;
        var inserted = new List<NewTaskBatch.Row>();
        using (var insert = c.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = SqliteSql.InsertTask;
            var taskId = insert.Parameters.Add("@TaskId", SqliteType.Text);
            insert.Parameters.AddWithValue("@JobSeq", jobSeq);
            var type = insert.Parameters.Add("@Type", SqliteType.Integer);
            var idx = insert.Parameters.Add("@Idx", SqliteType.Integer);
            var stage = insert.Parameters.Add("@Stage", SqliteType.Integer);
            insert.Parameters.AddWithValue("@DeadlineKey", deadlineKey);
            insert.Parameters.AddWithValue("@Priority", priority);
            var state = insert.Parameters.Add("@State", SqliteType.Integer);
            insert.Parameters.AddWithValue("@Now", nowMs);
            insert.Prepare();
            foreach (var row in batch.Rows)
            {
                taskId.Value = row.TaskId;
                type.Value = (int)row.Type;
                idx.Value = row.Index;
                stage.Value = row.Stage;
                state.Value = (int)(row.Prerequisites.Length == 0 ? TaskState.Ready : TaskState.Pending);
                if (insert.ExecuteNonQuery() == 1 && row.Prerequisites.Length > 0) inserted.Add(row);
            }
        }
        if (inserted.Count == 0) return;
        using (var dep = c.CreateCommand())
        {
            dep.Transaction = tx;
            dep.CommandText = SqliteSql.InsertDep;
            var prereq = dep.Parameters.Add("@PrereqId", SqliteType.Text);
            var taskId = dep.Parameters.Add("@TaskId", SqliteType.Text);
            dep.Prepare();
            foreach (var row in inserted)
            {
                taskId.Value = row.TaskId;
                foreach (var p in row.Prerequisites)
                {
                    prereq.Value = p;
                    dep.ExecuteNonQuery();
                }
            }
        }
        foreach (var row in inserted)
        {
            string? missing = c.QuerySingleOrDefault<string?>(SqliteSql.MissingPrerequisite, new { row.TaskId }, tx);
            if (missing is not null) throw NewTaskBatch.MissingPrerequisite(row.TaskId, missing, paramName);
            c.Execute(SqliteSql.SetWaiting, new { row.TaskId }, tx);
        }
    }

    public Task<JobRecord?> GetJobAsync(string jobId, CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        return ReadAsync("read job " + jobId,
            (c, tx) => c.QuerySingleOrDefault<JobRow>(CommonSql.JobById, new { JobId = jobId }, tx)?.ToRecord(), ct);
    }

    public Task<IReadOnlyList<TaskCounts>> GetTaskCountsAsync(string jobId, CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        return ReadAsync<IReadOnlyList<TaskCounts>>("count the tasks of job " + jobId, (c, tx) =>
        {
            long? seq = c.QuerySingleOrDefault<long?>(CommonSql.JobSeq, new { JobId = jobId }, tx);
            if (seq is null) return [];
            return StoreCounts.PerType(c.Query<StoreCounts.Row>(CommonSql.TaskCounts, new { JobSeq = seq }, tx));
        }, ct);
    }

    public Task<bool> CancelJobAsync(string jobId, DateTimeOffset now, string? reason = null, CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        if (reason is not null) StoreArgs.Text(reason, nameof(reason));
        long nowMs = StoreTime.Ms(now);
        return WriteAsync("cancel job " + jobId, (c, tx) =>
        {
            long? seq = c.QuerySingleOrDefault<long?>(CommonSql.CancelJobById, new { JobId = jobId, Error = reason, Now = nowMs }, tx);
            if (seq is null) return false;
            c.Execute(SqliteSql.CancelUnfinishedTasks, new { JobSeq = seq }, tx);
            return true;
        }, ct);
    }

    public Task<IReadOnlyList<JobRecord>> ExpiredRunningJobsAsync(DateTimeOffset deadlineBefore, DateTimeOffset createdBefore, int limit,
        CancellationToken ct = default)
    {
        StoreArgs.Limit(limit);
        return ReadAsync<IReadOnlyList<JobRecord>>("list expired running jobs", (c, tx) => c.Query<JobRow>(CommonSql.ExpiredRunningJobs,
            new { DeadlineBefore = StoreTime.Ms(deadlineBefore), CreatedBefore = StoreTime.Ms(createdBefore), Limit = limit }, tx)
            .Select(r => r.ToRecord()).ToList(), ct);
    }

    public Task MarkReceiptFetchedAsync(string jobId, DateTimeOffset now, CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        return WriteAsync("mark the receipt of job " + jobId + " fetched",
            (c, tx) => c.Execute(CommonSql.MarkReceiptFetched, new { JobId = jobId, Now = StoreTime.Ms(now) }, tx), ct);
    }

    public Task<IReadOnlyList<JobRecord>> JobsToReapAsync(DateTimeOffset fetchedBefore, DateTimeOffset finishedBefore, int limit,
        CancellationToken ct = default)
    {
        StoreArgs.Limit(limit);
        return ReadAsync<IReadOnlyList<JobRecord>>("list jobs to reap", (c, tx) => c.Query<JobRow>(CommonSql.JobsToReap,
            new { FetchedBefore = StoreTime.Ms(fetchedBefore), FinishedBefore = StoreTime.Ms(finishedBefore), Limit = limit }, tx)
            .Select(r => r.ToRecord()).ToList(), ct);
    }

    public Task MarkBlobsDeletedAsync(string jobId, DateTimeOffset now, CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        return WriteAsync("mark the blobs of job " + jobId + " deleted",
            (c, tx) => c.Execute(CommonSql.MarkBlobsDeleted, new { JobId = jobId, Now = StoreTime.Ms(now) }, tx), ct);
    }

    public Task<bool> IsImageInUseAsync(string imageId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(imageId);
        return ReadAsync("check whether image " + imageId + " is in use",
            (c, tx) => c.ExecuteScalar<long>(CommonSql.ImageInUse, new { Id = imageId }, tx) != 0, ct);
    }

    public Task<bool> IsInputInUseAsync(string inputId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(inputId);
        return ReadAsync("check whether input " + inputId + " is in use",
            (c, tx) => c.ExecuteScalar<long>(CommonSql.InputInUse, new { Id = inputId }, tx) != 0, ct);
    }

    public Task<StoreStats> StatsAsync(CancellationToken ct = default) =>
        ReadAsync("read statistics", (c, tx) => StoreCounts.Stats(
            c.Query<StoreCounts.Row>(CommonSql.JobStats, transaction: tx), c.Query<StoreCounts.Row>(CommonSql.TaskStats, transaction: tx)), ct);

    // ---- tasks ---------------------------------------------------------------------------------------------------

    public Task<ClaimedTask?> ClaimAsync(string agentId, IReadOnlyList<TaskType> allowed, DateTimeOffset now, CancellationToken ct = default)
    {
        StoreArgs.AgentId(agentId);
        int mask = StoreArgs.Allowed(allowed);
        long nowMs = StoreTime.Ms(now);
        return WriteAsync("claim", (c, tx) =>
        {
            string? taskId = c.QuerySingleOrDefault<string?>(SqliteSql.NextReady, new { Now = nowMs, Mask = mask }, tx);
            if (taskId is null) return null;
            long leaseId = LeaseIds.Next();
            var leased = c.QuerySingle<LeasedRow>(SqliteSql.Lease, new
            {
                LeaseId = leaseId,
                Now = nowMs,
                Lease0 = _policy.ClaimLeaseMs(TaskType.Execute),
                Lease1 = _policy.ClaimLeaseMs(TaskType.Prove),
                Lease2 = _policy.ClaimLeaseMs(TaskType.Finalize),
                AgentId = agentId,
                TaskId = taskId,
            }, tx);
            var job = c.QuerySingle<ClaimRow>(SqliteSql.ClaimJob, new { leased.JobSeq }, tx);
            job.TaskId = leased.TaskId;
            job.Type = leased.Type;
            job.Idx = leased.Idx;
            job.Attempts = leased.Attempts;
            job.LeaseId = leased.LeaseId;
            job.LeaseStartedMs = leased.LeaseStartedMs;
            return (ClaimedTask?)job.ToClaimedTask();
        }, ct);
    }

    public Task<LeaseStatus> HeartbeatAsync(TaskLease lease, string agentId, double? progress, DateTimeOffset now, CancellationToken ct = default)
    {
        var (_, type, _) = StoreArgs.Lease(lease);
        StoreArgs.AgentId(agentId);
        StoreArgs.Progress(progress);
        long nowMs = StoreTime.Ms(now);
        return WriteAsync("heartbeat " + lease.TaskId, (c, tx) => c.Execute(CommonSql.Heartbeat, new
        {
            lease.TaskId,
            lease.LeaseId,
            lease.StartedMs,
            AgentId = agentId,
            Now = nowMs,
            RenewedMs = _policy.RenewedExpiryMs(type, nowMs),
            MaxDurationMs = _policy.MaxDurationMs(type),
            Progress = progress,
        }, tx) == 1 ? LeaseStatus.Held : LeaseStatus.Lost, ct);
    }

    public Task<ReportOutcome> CompleteAsync(TaskLease lease, string outputJson, TaskCompletion completion, DateTimeOffset now,
        CancellationToken ct = default)
    {
        var (jobId, _, _) = StoreArgs.Lease(lease);
        StoreArgs.Text(outputJson, nameof(outputJson));
        ArgumentNullException.ThrowIfNull(completion);
        var batch = NewTaskBatch.Plan(jobId, completion.NewTasks, nameof(completion));
        long nowMs = StoreTime.Ms(now);
        return WriteAsync("complete " + lease.TaskId, (c, tx) =>
        {
            var row = c.QuerySingleOrDefault<ReportRow>(SqliteSql.TaskForReport, new { lease.TaskId }, tx);
            if (row is null) return ReportOutcome.Ignored;
            if (row.TaskState == (int)TaskState.Done) return ReportOutcome.Duplicate;
            if (row.TaskState is not ((int)TaskState.Ready or (int)TaskState.Running) || row.JobState != (int)JobState.Running
                || !row.Holds(lease))
                return ReportOutcome.Ignored;
            c.Execute(SqliteSql.MarkDone, new { lease.TaskId, OutputJson = outputJson }, tx);
            // Release dependents before inserting new tasks: a new task counts only prerequisites not done, and this one is.
            c.Execute(SqliteSql.ReleaseDependents, new { lease.TaskId, Now = nowMs }, tx);
            if (completion.Execution is { } execution)
                c.Execute(CommonSql.SetExecution, new
                {
                    ExecutionJson = ClusterJson.Serialize(execution),
                    execution.Segments,
                    row.JobSeq,
                }, tx);
            InsertTasks(c, tx, row.JobSeq, TaskOrder.DeadlineKey(row.DeadlineMs), row.Priority, batch, nowMs, nameof(completion));
            if (completion.CompletesJob)
            {
                c.Execute(CommonSql.SucceedJob, new { Now = nowMs, completion.ReceiptBytes, row.JobSeq }, tx);
                c.Execute(SqliteSql.CancelUnfinishedTasks, new { row.JobSeq }, tx);
            }
            return ReportOutcome.Accepted;
        }, ct);
    }

    public Task<ReportOutcome> FailAsync(TaskLease lease, string error, bool retry, DateTimeOffset now, CancellationToken ct = default)
    {
        var (_, type, index) = StoreArgs.Lease(lease);
        StoreArgs.Text(error, nameof(error));
        long nowMs = StoreTime.Ms(now);
        return WriteAsync("fail " + lease.TaskId, (c, tx) =>
        {
            var row = c.QuerySingleOrDefault<ReportRow>(SqliteSql.TaskForReport, new { lease.TaskId }, tx);
            if (row is null || row.TaskState != (int)TaskState.Running || !row.Holds(lease) || row.JobState != (int)JobState.Running)
                return ReportOutcome.Ignored;
            if (_policy.Retries(type, row.Attempts, retry))
            {
                c.Execute(CommonSql.Retry, new { lease.TaskId, Error = error, ReadyMs = _policy.RetryAtMs(type, row.Attempts, nowMs) }, tx);
            }
            else
            {
                c.Execute(CommonSql.FailTask, new { lease.TaskId, Error = error }, tx);
                FailJob(c, tx, row.JobSeq, TaskFailureMessages.TaskFailed(type, index, row.Attempts, error), nowMs);
            }
            return ReportOutcome.Accepted;
        }, ct);
    }

    public Task<IReadOnlyList<ExpiredLease>> ExpireLeasesAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        long nowMs = StoreTime.Ms(now);
        return WriteAsync<IReadOnlyList<ExpiredLease>>("expire leases", (c, tx) =>
        {
            var expired = new List<ExpiredLease>();
            foreach (var r in c.Query<ExpiredRow>(SqliteSql.ExpiredLeases, new { Now = nowMs }, tx).ToList())
            {
                var type = (TaskType)r.Type;
                string error = _policy.TimeoutError(type, r.LeaseStartedMs, r.LeaseExpiresMs);
                if (r.Attempts < _policy.MaxAttempts(type))
                {
                    // Zero rows: an earlier task of this run failed the job and cancelled this one.
                    if (c.Execute(SqliteSql.Requeue, new { r.TaskId, Now = nowMs, Error = error }, tx) == 1)
                        expired.Add(new ExpiredLease(r.TaskId, type, JobFailed: false));
                }
                else if (c.QuerySingle<int>(CommonSql.TaskStateById, new { r.TaskId }, tx) == (int)TaskState.Running)
                {
                    c.Execute(CommonSql.FailTask, new { r.TaskId, Error = error }, tx);
                    FailJob(c, tx, r.JobSeq, TaskFailureMessages.TaskFailed(type, r.Idx, r.Attempts, error), nowMs);
                    expired.Add(new ExpiredLease(r.TaskId, type, JobFailed: true));
                }
            }
            return expired;
        }, ct);
    }

    public Task<ReportOutcome> RedoAsync(TaskLease lease, IReadOnlyList<TaskRef> redo, string error, DateTimeOffset now,
        CancellationToken ct = default)
    {
        var (jobId, type, index) = StoreArgs.Lease(lease);
        var redoIds = StoreArgs.Redo(jobId, lease.TaskId, redo);
        StoreArgs.Text(error, nameof(error));
        long nowMs = StoreTime.Ms(now);
        return WriteAsync("redo the prerequisites of " + lease.TaskId, (c, tx) =>
        {
            var row = c.QuerySingleOrDefault<ReportRow>(SqliteSql.TaskForReport, new { lease.TaskId }, tx);
            if (row is null || row.TaskState != (int)TaskState.Running || !row.Holds(lease) || row.JobState != (int)JobState.Running)
                return ReportOutcome.Ignored;
            var found = new List<(TaskRef Ref, string Id, PrerequisiteRow Row)>(redoIds.Count);
            foreach (var (r, id) in redoIds)
            {
                var p = c.QuerySingleOrDefault<PrerequisiteRow>(CommonSql.Prerequisite, new { lease.TaskId, PrereqId = id }, tx)
                    ?? throw StoreArgs.NotAPrerequisite(r, lease.TaskId);
                found.Add((r, id, p));
            }
            int waiting = 0;
            foreach (var (r, id, p) in found)
            {
                if (p.State != (int)TaskState.Done)
                {
                    if (p.State != (int)TaskState.Failed && p.State != (int)TaskState.Cancelled) waiting++; // already running again
                    continue;
                }
                if (p.Repairs >= _policy.MaxRepairs(r.Type))
                {
                    FailJob(c, tx, row.JobSeq, TaskFailureMessages.RepairsExhausted(r.Type, r.Index, p.Repairs, error), nowMs);
                    return ReportOutcome.Accepted;
                }
                c.Execute(CommonSql.Redo, new { TaskId = id, Now = nowMs, Error = error }, tx);
                waiting++;
            }
            c.Execute(CommonSql.WaitAgain, new { lease.TaskId, Waiting = waiting, Now = nowMs, Error = error }, tx);
            return ReportOutcome.Accepted;
        }, ct);
    }

    public Task<IReadOnlyList<ExpiredLease>> RequeueTasksOfAgentsAsync(string agentIdPrefix, DateTimeOffset now, CancellationToken ct = default)
    {
        StoreArgs.AgentId(agentIdPrefix);
        long nowMs = StoreTime.Ms(now);
        return WriteAsync<IReadOnlyList<ExpiredLease>>("requeue the tasks of agents " + agentIdPrefix + "*", (c, tx) =>
        {
            var done = new List<ExpiredLease>();
            var rows = c.Query<InterruptedRow>(CommonSql.TasksOfAgents, new { Prefix = agentIdPrefix, PrefixLength = agentIdPrefix.Length }, tx).ToList();
            foreach (var r in rows)
            {
                var type = (TaskType)r.Type;
                int interruptions = r.Interruptions + 1;
                if (interruptions < _policy.MaxInterruptions(type))
                {
                    if (c.Execute(CommonSql.RequeueInterrupted, new { r.TaskId, Now = nowMs, Error = TaskFailureMessages.Interrupted }, tx) == 1)
                        done.Add(new ExpiredLease(r.TaskId, type, JobFailed: false));
                }
                else
                {
                    string error = TaskFailureMessages.NodeStopped(type, r.Idx, interruptions);
                    // Zero rows: an earlier task of this list failed the job and cancelled this one.
                    if (c.Execute(CommonSql.FailInterrupted, new { r.TaskId, Error = error }, tx) == 1)
                    {
                        FailJob(c, tx, r.JobSeq, error, nowMs);
                        done.Add(new ExpiredLease(r.TaskId, type, JobFailed: true));
                    }
                }
            }
            return done;
        }, ct);
    }

    public Task<bool> TryClaimBlobDeletionAsync(SharedBlob kind, string id, DateTimeOffset now, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        long nowMs = StoreTime.Ms(now);
        return WriteAsync($"claim {kind.Name()} {id} for deletion", (c, tx) =>
        {
            if (c.ExecuteScalar<long>(kind == SharedBlob.Image ? CommonSql.ImageInUse : CommonSql.InputInUse, new { Id = id }, tx) != 0)
                return false;
            c.Execute(CommonSql.ClaimBlob, new { Key = kind.Key(id), Now = nowMs }, tx);
            return true;
        }, ct);
    }

    public Task ReleaseBlobDeletionAsync(SharedBlob kind, string id, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return WriteAsync($"release the deletion claim on {kind.Name()} {id}",
            (c, tx) => c.Execute(CommonSql.ReleaseBlob, new { Key = kind.Key(id) }, tx), ct);
    }

    public Task<int> DeleteEndedJobsAsync(DateTimeOffset finishedBefore, int limit, CancellationToken ct = default)
    {
        StoreArgs.Limit(limit);
        return WriteAsync("delete ended jobs", (c, tx) =>
        {
            var seqs = c.Query<long>(CommonSql.EndedJobsToDelete, new { FinishedBefore = StoreTime.Ms(finishedBefore), Limit = limit }, tx).ToArray();
            if (seqs.Length == 0) return 0;
            c.Execute(SqliteSql.DeleteDepsOfJobs, new { Seqs = seqs }, tx);
            c.Execute(SqliteSql.DeleteTasksOfJobs, new { Seqs = seqs }, tx);
            return c.Execute(SqliteSql.DeleteJobs, new { Seqs = seqs }, tx);
        }, ct);
    }

    /// <summary>Fails a running job with <paramref name="error"/> and cancels its unfinished tasks.</summary>
    private static void FailJob(SqliteConnection c, SqliteTransaction tx, long jobSeq, string error, long nowMs)
    {
        c.Execute(SqliteSql.EndJob, new { State = (int)JobState.Failed, Error = error, Now = nowMs, JobSeq = jobSeq }, tx);
        c.Execute(SqliteSql.CancelUnfinishedTasks, new { JobSeq = jobSeq }, tx);
    }
}
