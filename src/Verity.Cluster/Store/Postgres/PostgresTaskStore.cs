using System.Data.Common;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cluster.Store.Postgres;

/// <summary>
/// The cluster task store (DESIGN §5) on PostgreSQL: every node process is stateless over it.
/// <para>Hot path. A claim is one statement (<c>SELECT … ORDER BY … LIMIT n FOR UPDATE SKIP LOCKED</c> feeding an
/// <c>UPDATE … RETURNING</c> joined with the job's spec) served by a partial index on Ready tasks in claim order; a
/// plain completion (no effects) is a two-statement batch without a job row lock. Concurrent claims and concurrent
/// plain completions of one store are combined (<see cref="RequestCombiner{TRequest,TResult}"/>): one round trip and
/// one commit serve every caller waiting at that moment, which on a small machine is what decides throughput.</para>
/// <para>Concurrency. Transactions run at READ COMMITTED and take row locks in a fixed order (job row, then task rows
/// by id); dependents count down with decrements, which apply to the newest row version; the rare serialization
/// failure or deadlock (e.g. between two nodes) rolls back and is retried.</para>
/// </summary>
public sealed partial class PostgresTaskStore : ITaskStore
{
    private const int MaxTransactionTries = 8;
    private const int MaxClaimBatch = 64;
    private const int MaxCompletionBatch = 64;

    private readonly NpgsqlDataSource _dataSource;
    private readonly PolicyTable _policy;
    private readonly RequestCombiner<ClaimRequest, ClaimedTask?> _claims;
    private readonly RequestCombiner<CompletionRequest, ReportOutcome> _completions;
    private volatile bool _disposed; // no new requests
    private volatile bool _closed;   // the data source is gone (after queued requests finished)

    private sealed record ClaimRequest(string AgentId, int Mask, long NowMs);

    private sealed record CompletionRequest(string TaskId, long LeaseId, long StartedMs, string OutputJson, long NowMs);

    /// <param name="connectionString">An Npgsql connection string. Unless it says otherwise, statements are prepared
    /// automatically (Max Auto Prepare=64) and connections are not reset when returned to the pool (No Reset On
    /// Close=true: the store keeps no session state).</param>
    /// <param name="policies">Lease and retry rules per task type.</param>
    public PostgresTaskStore(string connectionString, TaskPolicies policies)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ArgumentException("the PostgreSQL connection string is empty", nameof(connectionString));
        _policy = new PolicyTable(policies);
        NpgsqlConnectionStringBuilder builder;
        var given = new DbConnectionStringBuilder();
        try
        {
            given.ConnectionString = connectionString;
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"invalid PostgreSQL connection string: {e.Message}", nameof(connectionString), e);
        }
        if (!Mentions(given, "Max Auto Prepare", "MaxAutoPrepare")) builder.MaxAutoPrepare = 64;
        if (!Mentions(given, "No Reset On Close", "NoResetOnClose")) builder.NoResetOnClose = true;
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        Name = $"PostgreSQL task store ({builder.Host}:{builder.Port}/{builder.Database ?? builder.Username})";
        // Claims and plain completions are the hot path: concurrent ones share round trips and commits.
        _claims = new RequestCombiner<ClaimRequest, ClaimedTask?>(ClaimBatchAsync, MaxClaimBatch);
        _completions = new RequestCombiner<CompletionRequest, ReportOutcome>(CompleteBatchAsync, MaxCompletionBatch);
    }

    /// <summary>Names the store and its server in errors.</summary>
    public string Name { get; }

    public override string ToString() => Name;

    private static bool Mentions(DbConnectionStringBuilder b, params string[] keys) => keys.Any(b.ContainsKey);

    // ---- plumbing ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Runs <paramref name="work"/> on a pooled connection. A serialization failure or deadlock (40001, 40P01) rolls the
    /// work's transaction back and runs it again; other database errors become a <see cref="TaskStoreException"/>.
    /// </summary>
    private async Task<T> RunAsync<T>(string operation, Func<NpgsqlConnection, Task<T>> work, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await using var c = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                return await work(c).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
                                              && attempt < MaxTransactionTries)
            {
                await Task.Delay(Random.Shared.Next(1, 4 << Math.Min(attempt, 5)), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (StoreFailures.IsDatabaseFailure(e))
            {
                throw new TaskStoreException(Name, operation, e);
            }
        }
    }

    /// <summary><see cref="RunAsync{T}"/> inside one explicit transaction, committed when the work returns.</summary>
    private Task<T> InTransactionAsync<T>(string operation, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken ct) =>
        RunAsync(operation, async c =>
        {
            await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            var result = await work(c, tx).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return result;
        }, ct);

    private static CommandDefinition Cmd(string sql, object? args, NpgsqlTransaction? tx, CancellationToken ct) =>
        new(sql, args, tx, cancellationToken: ct);

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _claims.DisposeAsync().ConfigureAwait(false);
        await _completions.DisposeAsync().ConfigureAwait(false);
        _closed = true;
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    // ---- schema --------------------------------------------------------------------------------------------------

    public Task MigrateAsync(CancellationToken ct = default) =>
        InTransactionAsync("migrate", async (c, tx) =>
        {
            // Two nodes starting at once: the second waits here, then finds nothing left to apply.
            await c.ExecuteAsync(Cmd(PostgresSql.MigrationLock, new { Key = PostgresSchema.MigrationLockKey }, tx, ct)).ConfigureAwait(false);
            return await MigrationRunner.ApplyAsync(c, tx, PostgresSchema.Migrations, Name, ct).ConfigureAwait(false);
        }, ct);

    public Task<int> SchemaVersionAsync(CancellationToken ct = default) =>
        RunAsync("read the schema version", async c =>
            !await c.ExecuteScalarAsync<bool>(Cmd(PostgresSql.HasMigrationsTable, null, null, ct)).ConfigureAwait(false)
                ? 0
                : await c.ExecuteScalarAsync<int?>(Cmd(MigrationRunner.CurrentVersionSql, null, null, ct)).ConfigureAwait(false) ?? 0, ct);

    // ---- jobs ----------------------------------------------------------------------------------------------------

    public Task<JobRecord> CreateJobAsync(string jobId, JobSpec spec, IReadOnlyList<NewTask> initialTasks, DateTimeOffset now,
        CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        ArgumentNullException.ThrowIfNull(spec);
        var batch = NewTaskBatch.Plan(jobId, initialTasks, nameof(initialTasks));
        long nowMs = StoreTime.Ms(now);
        return InTransactionAsync("create job " + jobId, async (c, tx) =>
        {
            long? deadlineMs = spec.Deadline?.ToUnixTimeMilliseconds();
            // Held until commit: a deletion claim on the image or input either committed before (and is seen below) or
            // waits for this job and then finds it using the blob.
            await c.ExecuteAsync(Cmd(PostgresSql.LockBlobKeyShared, new { Key = SharedBlob.Image.Key(spec.ImageId) }, tx, ct)).ConfigureAwait(false);
            await c.ExecuteAsync(Cmd(PostgresSql.LockBlobKeyShared, new { Key = SharedBlob.Input.Key(spec.InputId) }, tx, ct)).ConfigureAwait(false);
            BlobClaims.RefuseClaimed(
                await c.QueryAsync<string>(Cmd(CommonSql.ClaimedBlobs, BlobClaims.Args(spec, nowMs), tx, ct)).ConfigureAwait(false), spec);
            // A concurrent create of the same id waits on the unique index, then finds the row and inserts nothing.
            long? seq = await c.ExecuteScalarAsync<long?>(Cmd(PostgresSql.InsertJob, new
            {
                JobId = jobId,
                SpecJson = ClusterJson.Serialize(spec),
                spec.ImageId,
                spec.InputId,
                DeadlineMs = deadlineMs,
                spec.Priority,
                Now = nowMs,
            }, tx, ct)).ConfigureAwait(false);
            if (seq is long s)
                await InsertTasksAsync(c, tx, s, TaskOrder.DeadlineKey(deadlineMs), spec.Priority, batch, nowMs, nameof(initialTasks), ct)
                    .ConfigureAwait(false);
            return (await c.QuerySingleAsync<JobRow>(Cmd(CommonSql.JobById, new { JobId = jobId }, tx, ct)).ConfigureAwait(false)).ToRecord();
        }, ct);
    }

    /// <summary>Inserts the tasks that are not there yet, set-based; a new task with prerequisites waits on those not
    /// yet done.</summary>
    private static async Task InsertTasksAsync(NpgsqlConnection c, NpgsqlTransaction tx, long jobSeq, long deadlineKey, int priority,
        NewTaskBatch batch, long nowMs, string paramName, CancellationToken ct)
    {
        if (batch.IsEmpty) return;
        var rows = batch.Rows;
        var inserted = (await c.QueryAsync<string>(Cmd(PostgresSql.InsertTasks, new
        {
            JobSeq = jobSeq,
            DeadlineKey = deadlineKey,
            Priority = priority,
            Now = nowMs,
            TaskIds = rows.Select(r => r.TaskId).ToArray(),
            Types = rows.Select(r => (int)r.Type).ToArray(),
            Idxs = rows.Select(r => r.Index).ToArray(),
            Stages = rows.Select(r => r.Stage).ToArray(),
            Waits = rows.Select(r => r.Prerequisites.Length > 0).ToArray(),
        }, tx, ct)).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var waiting = rows.Where(r => r.Prerequisites.Length > 0 && inserted.Contains(r.TaskId)).ToList();
        if (waiting.Count == 0) return;
        var deps = waiting.SelectMany(r => r.Prerequisites.Select(p => (Prereq: p, r.TaskId))).ToList();
        await c.ExecuteAsync(Cmd(PostgresSql.InsertDeps, new
        {
            PrereqIds = deps.Select(d => d.Prereq).ToArray(),
            DepTaskIds = deps.Select(d => d.TaskId).ToArray(),
            Inserted = waiting.Select(r => r.TaskId).ToArray(),
        }, tx, ct)).ConfigureAwait(false);
        string[] prerequisites = deps.Select(d => d.Prereq).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var present = (await c.QueryAsync<string>(Cmd(PostgresSql.LockPrerequisites, new { Ids = prerequisites }, tx, ct))
            .ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        foreach (var (prereq, taskId) in deps)
            if (!present.Contains(prereq)) throw NewTaskBatch.MissingPrerequisite(taskId, prereq, paramName);
        await c.ExecuteAsync(Cmd(PostgresSql.SetWaiting, new { Waiting = waiting.Select(r => r.TaskId).ToArray() }, tx, ct))
            .ConfigureAwait(false);
    }

    public Task<JobRecord?> GetJobAsync(string jobId, CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        return RunAsync("read job " + jobId, async c =>
            (await c.QuerySingleOrDefaultAsync<JobRow>(Cmd(CommonSql.JobById, new { JobId = jobId }, null, ct)).ConfigureAwait(false))?.ToRecord(), ct);
    }

    public Task<IReadOnlyList<TaskCounts>> GetTaskCountsAsync(string jobId, CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        return RunAsync<IReadOnlyList<TaskCounts>>("count the tasks of job " + jobId, async c =>
        {
            long? seq = await c.ExecuteScalarAsync<long?>(Cmd(CommonSql.JobSeq, new { JobId = jobId }, null, ct)).ConfigureAwait(false);
            if (seq is null) return [];
            return StoreCounts.PerType(await c.QueryAsync<StoreCounts.Row>(Cmd(CommonSql.TaskCounts, new { JobSeq = seq }, null, ct))
                .ConfigureAwait(false));
        }, ct);
    }

    public Task<bool> CancelJobAsync(string jobId, DateTimeOffset now, string? reason = null, CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        if (reason is not null) StoreArgs.Text(reason, nameof(reason));
        long nowMs = StoreTime.Ms(now);
        return InTransactionAsync("cancel job " + jobId, async (c, tx) =>
        {
            long? seq = await c.ExecuteScalarAsync<long?>(Cmd(CommonSql.CancelJobById, new { JobId = jobId, Error = reason, Now = nowMs }, tx, ct))
                .ConfigureAwait(false);
            if (seq is null) return false;
            await c.ExecuteAsync(Cmd(PostgresSql.CancelUnfinishedTasks, new { JobSeq = seq }, tx, ct)).ConfigureAwait(false);
            return true;
        }, ct);
    }

    public Task<IReadOnlyList<JobRecord>> ExpiredRunningJobsAsync(DateTimeOffset deadlineBefore, DateTimeOffset createdBefore, int limit,
        CancellationToken ct = default)
    {
        StoreArgs.Limit(limit);
        return RunAsync<IReadOnlyList<JobRecord>>("list expired running jobs", async c =>
            (await c.QueryAsync<JobRow>(Cmd(CommonSql.ExpiredRunningJobs,
                new { DeadlineBefore = StoreTime.Ms(deadlineBefore), CreatedBefore = StoreTime.Ms(createdBefore), Limit = limit }, null, ct))
                .ConfigureAwait(false)).Select(r => r.ToRecord()).ToList(), ct);
    }

    public Task MarkReceiptFetchedAsync(string jobId, DateTimeOffset now, CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        return RunAsync("mark the receipt of job " + jobId + " fetched",
            c => c.ExecuteAsync(Cmd(CommonSql.MarkReceiptFetched, new { JobId = jobId, Now = StoreTime.Ms(now) }, null, ct)), ct);
    }

    public Task<IReadOnlyList<JobRecord>> JobsToReapAsync(DateTimeOffset fetchedBefore, DateTimeOffset finishedBefore, int limit,
        CancellationToken ct = default)
    {
        StoreArgs.Limit(limit);
        return RunAsync<IReadOnlyList<JobRecord>>("list jobs to reap", async c =>
            (await c.QueryAsync<JobRow>(Cmd(CommonSql.JobsToReap,
                new { FetchedBefore = StoreTime.Ms(fetchedBefore), FinishedBefore = StoreTime.Ms(finishedBefore), Limit = limit }, null, ct))
                .ConfigureAwait(false)).Select(r => r.ToRecord()).ToList(), ct);
    }

    public Task MarkBlobsDeletedAsync(string jobId, DateTimeOffset now, CancellationToken ct = default)
    {
        StoreArgs.JobId(jobId);
        return RunAsync("mark the blobs of job " + jobId + " deleted",
            c => c.ExecuteAsync(Cmd(CommonSql.MarkBlobsDeleted, new { JobId = jobId, Now = StoreTime.Ms(now) }, null, ct)), ct);
    }

    public Task<bool> IsImageInUseAsync(string imageId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(imageId);
        return RunAsync("check whether image " + imageId + " is in use",
            c => c.ExecuteScalarAsync<bool>(Cmd(CommonSql.ImageInUse, new { Id = imageId }, null, ct)), ct);
    }

    public Task<bool> IsInputInUseAsync(string inputId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(inputId);
        return RunAsync("check whether input " + inputId + " is in use",
            c => c.ExecuteScalarAsync<bool>(Cmd(CommonSql.InputInUse, new { Id = inputId }, null, ct)), ct);
    }

    public Task<StoreStats> StatsAsync(CancellationToken ct = default) =>
        InTransactionAsync("read statistics", async (c, tx) => StoreCounts.Stats(
            await c.QueryAsync<StoreCounts.Row>(Cmd(CommonSql.JobStats, null, tx, ct)).ConfigureAwait(false),
            await c.QueryAsync<StoreCounts.Row>(Cmd(CommonSql.TaskStats, null, tx, ct)).ConfigureAwait(false)), ct);

    // ---- tasks ---------------------------------------------------------------------------------------------------

    public Task<ClaimedTask?> ClaimAsync(string agentId, IReadOnlyList<TaskType> allowed, DateTimeOffset now, CancellationToken ct = default)
    {
        StoreArgs.AgentId(agentId);
        int mask = StoreArgs.Allowed(allowed);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _claims.RunAsync(new ClaimRequest(agentId, mask, StoreTime.Ms(now)), ct);
    }

    /// <summary>Runs concurrent claims together: one statement per distinct allow-list, all in one round trip and one
    /// implicit transaction. Earlier callers get the better tasks.</summary>
    private Task<IReadOnlyList<ClaimedTask?>> ClaimBatchAsync(IReadOnlyList<ClaimRequest> requests) =>
        RunAsync<IReadOnlyList<ClaimedTask?>>("claim", async c =>
        {
            var groups = requests.Select((r, i) => (r, i)).GroupBy(x => x.r.Mask).ToList();
            await using var batch = new NpgsqlBatch(c);
            foreach (var g in groups)
            {
                var members = g.ToList();
                batch.BatchCommands.Add(new NpgsqlBatchCommand(PostgresSql.Claim)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<string[]> { TypedValue = members.Select(m => m.r.AgentId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                        new NpgsqlParameter<long[]> { TypedValue = members.Select(m => m.r.NowMs).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                        new NpgsqlParameter<long> { TypedValue = members.Min(m => m.r.NowMs) },
                        new NpgsqlParameter<int> { TypedValue = g.Key },
                        new NpgsqlParameter<int> { TypedValue = members.Count },
                        new NpgsqlParameter<long> { TypedValue = _policy.ClaimLeaseMs(TaskType.Execute) },
                        new NpgsqlParameter<long> { TypedValue = _policy.ClaimLeaseMs(TaskType.Prove) },
                        new NpgsqlParameter<long> { TypedValue = _policy.ClaimLeaseMs(TaskType.Finalize) },
                        new NpgsqlParameter<long[]> { TypedValue = LeaseIds.Next(members.Count), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                    },
                });
            }
            var results = new ClaimedTask?[requests.Count];
            var specs = new Dictionary<string, JobSpec>(StringComparer.Ordinal);
            await using var r = await batch.ExecuteReaderAsync().ConfigureAwait(false);
            foreach (var g in groups)
            {
                var members = g.ToList();
                while (await r.ReadAsync().ConfigureAwait(false))
                {
                    var row = new ClaimRow
                    {
                        TaskId = r.GetString(1),
                        JobId = r.GetString(2),
                        Type = r.GetInt32(3),
                        Idx = r.GetInt32(4),
                        Attempts = r.GetInt32(5),
                        LeaseId = r.GetInt64(6),
                        LeaseStartedMs = r.GetInt64(7),
                        SpecJson = r.GetString(8),
                        Segments = r.GetInt32(9),
                    };
                    // One spec object per job and batch: tasks of one job share it (records are immutable).
                    if (!specs.TryGetValue(row.JobId, out var spec)) specs[row.JobId] = spec = ClusterJson.Deserialize<JobSpec>(row.SpecJson);
                    results[members[(int)r.GetInt64(0) - 1].i] = row.ToClaimedTask(spec);
                }
                await r.NextResultAsync().ConfigureAwait(false);
            }
            return results;
        }, CancellationToken.None);

    public Task<LeaseStatus> HeartbeatAsync(TaskLease lease, string agentId, double? progress, DateTimeOffset now, CancellationToken ct = default)
    {
        var (_, type, _) = StoreArgs.Lease(lease);
        StoreArgs.AgentId(agentId);
        StoreArgs.Progress(progress);
        long nowMs = StoreTime.Ms(now);
        return RunAsync("heartbeat " + lease.TaskId, async c => await c.ExecuteAsync(Cmd(CommonSql.Heartbeat, new
        {
            lease.TaskId,
            lease.LeaseId,
            lease.StartedMs,
            AgentId = agentId,
            Now = nowMs,
            RenewedMs = _policy.RenewedExpiryMs(type, nowMs),
            MaxDurationMs = _policy.MaxDurationMs(type),
            Progress = progress,
        }, null, ct)).ConfigureAwait(false) == 1 ? LeaseStatus.Held : LeaseStatus.Lost, ct);
    }

    public Task<ReportOutcome> CompleteAsync(TaskLease lease, string outputJson, TaskCompletion completion, DateTimeOffset now,
        CancellationToken ct = default)
    {
        var (jobId, _, _) = StoreArgs.Lease(lease);
        StoreArgs.Text(outputJson, nameof(outputJson));
        ArgumentNullException.ThrowIfNull(completion);
        var batch = NewTaskBatch.Plan(jobId, completion.NewTasks, nameof(completion));
        long nowMs = StoreTime.Ms(now);
        bool plain = completion.Execution is null && batch.IsEmpty && !completion.CompletesJob;
        if (plain)
        {
            // The common case (a prove task): no job row lock; concurrent ones share a round trip and a commit.
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _completions.RunAsync(new CompletionRequest(lease.TaskId, lease.LeaseId, lease.StartedMs, outputJson, nowMs), ct);
        }
        return InTransactionAsync("complete " + lease.TaskId, async (c, tx) =>
        {
            // The job's row first: its state cannot change under the effects below.
            var job = await c.QuerySingleOrDefaultAsync<ReportRow>(Cmd(PostgresSql.LockJob, new { JobId = jobId }, tx, ct)).ConfigureAwait(false);
            if (job is null || job.JobState != (int)JobState.Running)
                return await RejectedOutcomeAsync(c, tx, lease.TaskId, ct).ConfigureAwait(false);
            if (!await MarkDoneAsync(c, tx, lease, outputJson, nowMs).ConfigureAwait(false))
                return await RejectedOutcomeAsync(c, tx, lease.TaskId, ct).ConfigureAwait(false);
            if (completion.Execution is { } execution)
                await c.ExecuteAsync(Cmd(CommonSql.SetExecution, new
                {
                    ExecutionJson = ClusterJson.Serialize(execution),
                    execution.Segments,
                    job.JobSeq,
                }, tx, ct)).ConfigureAwait(false);
            await InsertTasksAsync(c, tx, job.JobSeq, TaskOrder.DeadlineKey(job.DeadlineMs), job.Priority, batch, nowMs, nameof(completion), ct)
                .ConfigureAwait(false);
            if (completion.CompletesJob)
            {
                await c.ExecuteAsync(Cmd(CommonSql.SucceedJob, new { Now = nowMs, completion.ReceiptBytes, job.JobSeq }, tx, ct)).ConfigureAwait(false);
                await c.ExecuteAsync(Cmd(PostgresSql.CancelUnfinishedTasks, new { job.JobSeq }, tx, ct)).ConfigureAwait(false);
            }
            return ReportOutcome.Accepted;
        }, ct);
    }

    /// <summary>Adds a completion's two statements to a batch: mark the task done (if it is Ready or Running and its job
    /// Running), then release its dependents. Returns the first: its RecordsAffected (1 or 0) says whether it was done.</summary>
    private static NpgsqlBatchCommand AddMarkDone(NpgsqlBatch batch, string taskId, long leaseId, long startedMs, string outputJson, long nowMs)
    {
        long token = Random.Shared.NextInt64(1, long.MaxValue);
        var mark = new NpgsqlBatchCommand(PostgresSql.MarkDone)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = taskId, NpgsqlDbType = NpgsqlDbType.Text },
                new NpgsqlParameter<string> { TypedValue = outputJson, NpgsqlDbType = NpgsqlDbType.Text },
                new NpgsqlParameter<long> { TypedValue = token },
                new NpgsqlParameter<long> { TypedValue = leaseId },
                new NpgsqlParameter<long> { TypedValue = startedMs },
            },
        };
        batch.BatchCommands.Add(mark);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(PostgresSql.ReleaseDependents)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = taskId, NpgsqlDbType = NpgsqlDbType.Text },
                new NpgsqlParameter<long> { TypedValue = token },
                new NpgsqlParameter<long> { TypedValue = nowMs },
            },
        });
        return mark;
    }

    /// <summary>Marks one task done inside the caller's transaction (completions with effects); false if it was not
    /// Ready or Running.</summary>
    private static async Task<bool> MarkDoneAsync(NpgsqlConnection c, NpgsqlTransaction tx, TaskLease lease, string outputJson, long nowMs)
    {
        await using var batch = new NpgsqlBatch(c, tx);
        var mark = AddMarkDone(batch, lease.TaskId, lease.LeaseId, lease.StartedMs, outputJson, nowMs);
        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        return mark.RecordsAffected == 1;
    }

    /// <summary>
    /// Runs concurrent plain completions together: one batch, one implicit transaction, one commit. Tasks are marked in
    /// id order (the lock order). A task that was not Ready/Running is looked up after the commit: Done means Duplicate.
    /// </summary>
    private Task<IReadOnlyList<ReportOutcome>> CompleteBatchAsync(IReadOnlyList<CompletionRequest> requests) =>
        RunAsync<IReadOnlyList<ReportOutcome>>("complete", async c =>
        {
            var order = Enumerable.Range(0, requests.Count).OrderBy(i => requests[i].TaskId, StringComparer.Ordinal).ToList();
            var outcomes = new ReportOutcome[requests.Count];
            await using (var batch = new NpgsqlBatch(c))
            {
                var marks = new NpgsqlBatchCommand[requests.Count];
                foreach (int i in order)
                {
                    var q = requests[i];
                    marks[i] = AddMarkDone(batch, q.TaskId, q.LeaseId, q.StartedMs, q.OutputJson, q.NowMs);
                }
                await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
                for (int i = 0; i < requests.Count; i++)
                    outcomes[i] = marks[i].RecordsAffected == 1 ? ReportOutcome.Accepted : ReportOutcome.Ignored;
            }
            var rejected = order.Where(i => outcomes[i] == ReportOutcome.Ignored).ToList();
            if (rejected.Count > 0)
            {
                await using var cmd = new NpgsqlCommand(PostgresSql.TaskStates, c);
                cmd.Parameters.Add(new NpgsqlParameter<string[]>
                {
                    TypedValue = rejected.Select(i => requests[i].TaskId).Distinct().ToArray(),
                    NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
                });
                var done = new HashSet<string>(StringComparer.Ordinal);
                await using (var r = await cmd.ExecuteReaderAsync().ConfigureAwait(false))
                    while (await r.ReadAsync().ConfigureAwait(false))
                        if (r.GetInt32(1) == (int)TaskState.Done) done.Add(r.GetString(0));
                foreach (int i in rejected)
                    if (done.Contains(requests[i].TaskId)) outcomes[i] = ReportOutcome.Duplicate;
            }
            return outcomes;
        }, CancellationToken.None);

    /// <summary>Why a completion changed nothing: the task was already done (Duplicate) or is not active (Ignored).</summary>
    private static async Task<ReportOutcome> RejectedOutcomeAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string taskId, CancellationToken ct) =>
        await c.ExecuteScalarAsync<int?>(Cmd(CommonSql.TaskStateById, new { TaskId = taskId }, tx, ct)).ConfigureAwait(false) == (int)TaskState.Done
            ? ReportOutcome.Duplicate
            : ReportOutcome.Ignored;

    public Task<ReportOutcome> FailAsync(TaskLease lease, string error, bool retry, DateTimeOffset now, CancellationToken ct = default)
    {
        var (jobId, type, index) = StoreArgs.Lease(lease);
        StoreArgs.Text(error, nameof(error));
        long nowMs = StoreTime.Ms(now);
        return InTransactionAsync("fail " + lease.TaskId, async (c, tx) =>
        {
            var job = await c.QuerySingleOrDefaultAsync<ReportRow>(Cmd(PostgresSql.LockJob, new { JobId = jobId }, tx, ct)).ConfigureAwait(false);
            if (job is null || job.JobState != (int)JobState.Running) return ReportOutcome.Ignored;
            var task = await c.QuerySingleOrDefaultAsync<ReportRow>(Cmd(PostgresSql.LockTask, new { lease.TaskId }, tx, ct)).ConfigureAwait(false);
            if (task is null || task.TaskState != (int)TaskState.Running || !task.Holds(lease)) return ReportOutcome.Ignored;
            if (_policy.Retries(type, task.Attempts, retry))
            {
                await c.ExecuteAsync(Cmd(CommonSql.Retry,
                    new { lease.TaskId, Error = error, ReadyMs = _policy.RetryAtMs(type, task.Attempts, nowMs) }, tx, ct)).ConfigureAwait(false);
            }
            else
            {
                await c.ExecuteAsync(Cmd(CommonSql.FailTask, new { lease.TaskId, Error = error }, tx, ct)).ConfigureAwait(false);
                await FailJobAsync(c, tx, job.JobSeq, TaskFailureMessages.TaskFailed(type, index, task.Attempts, error), nowMs, ct)
                    .ConfigureAwait(false);
            }
            return ReportOutcome.Accepted;
        }, ct);
    }

    public async Task<IReadOnlyList<ExpiredLease>> ExpireLeasesAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        long nowMs = StoreTime.Ms(now);
        var maxAttempts = new
        {
            Now = nowMs,
            Max0 = _policy.MaxAttempts(TaskType.Execute),
            Max1 = _policy.MaxAttempts(TaskType.Prove),
            Max2 = _policy.MaxAttempts(TaskType.Finalize),
        };
        var expired = new List<ExpiredLease>();
        // Tasks with attempts left: requeued together.
        var requeued = await InTransactionAsync("expire leases", async (c, tx) =>
        {
            var rows = (await c.QueryAsync<ExpiredRow>(Cmd(PostgresSql.RequeueExpired, maxAttempts, tx, ct)).ConfigureAwait(false)).ToList();
            if (rows.Count > 0)
                await c.ExecuteAsync(Cmd(PostgresSql.SetLastErrors, new
                {
                    TaskIds = rows.Select(r => r.TaskId).ToArray(),
                    Errors = rows.Select(r => _policy.TimeoutError((TaskType)r.Type, r.LeaseStartedMs, r.LeaseExpiresMs)).ToArray(),
                }, tx, ct)).ConfigureAwait(false);
            return rows;
        }, ct).ConfigureAwait(false);
        expired.AddRange(requeued.Select(r => new ExpiredLease(r.TaskId, (TaskType)r.Type, JobFailed: false)));

        // Tasks out of attempts fail their job: one transaction each, job row locked first.
        var failing = await RunAsync("expire leases", async c =>
            (await c.QueryAsync<(string TaskId, string JobId)>(Cmd(PostgresSql.ExpiredOutOfAttempts, maxAttempts, null, ct)).ConfigureAwait(false))
            .ToList(), ct).ConfigureAwait(false);
        foreach (var (taskId, jobId) in failing)
        {
            var failed = await InTransactionAsync("expire the lease of " + taskId, async (c, tx) =>
            {
                var job = await c.QuerySingleOrDefaultAsync<ReportRow>(Cmd(PostgresSql.LockJob, new { JobId = jobId }, tx, ct)).ConfigureAwait(false);
                if (job is null || job.JobState != (int)JobState.Running) return null;
                var r = await c.QuerySingleOrDefaultAsync<ExpiredRow>(Cmd(PostgresSql.LockExpired, new { TaskId = taskId, Now = nowMs }, tx, ct))
                    .ConfigureAwait(false);
                if (r is null) return null; // renewed, finished or cancelled meanwhile
                var type = (TaskType)r.Type;
                string error = _policy.TimeoutError(type, r.LeaseStartedMs, r.LeaseExpiresMs);
                await c.ExecuteAsync(Cmd(CommonSql.FailTask, new { TaskId = taskId, Error = error }, tx, ct)).ConfigureAwait(false);
                await FailJobAsync(c, tx, job.JobSeq, TaskFailureMessages.TaskFailed(type, r.Idx, r.Attempts, error), nowMs, ct).ConfigureAwait(false);
                return new ExpiredLease(taskId, type, JobFailed: true);
            }, ct).ConfigureAwait(false);
            if (failed is not null) expired.Add(failed);
        }
        return expired;
    }

    public Task<ReportOutcome> RedoAsync(TaskLease lease, IReadOnlyList<TaskRef> redo, string error, DateTimeOffset now,
        CancellationToken ct = default)
    {
        var (jobId, _, _) = StoreArgs.Lease(lease);
        var redoIds = StoreArgs.Redo(jobId, lease.TaskId, redo);
        StoreArgs.Text(error, nameof(error));
        long nowMs = StoreTime.Ms(now);
        return InTransactionAsync("redo the prerequisites of " + lease.TaskId, async (c, tx) =>
        {
            var job = await c.QuerySingleOrDefaultAsync<ReportRow>(Cmd(PostgresSql.LockJob, new { JobId = jobId }, tx, ct)).ConfigureAwait(false);
            if (job is null || job.JobState != (int)JobState.Running) return ReportOutcome.Ignored;
            string[] ids = redoIds.Select(r => r.TaskId).Append(lease.TaskId).Order(StringComparer.Ordinal).ToArray();
            await c.ExecuteAsync(Cmd(PostgresSql.LockPrerequisites, new { Ids = ids }, tx, ct)).ConfigureAwait(false);
            var task = await c.QuerySingleOrDefaultAsync<ReportRow>(Cmd(PostgresSql.LockTask, new { lease.TaskId }, tx, ct)).ConfigureAwait(false);
            if (task is null || task.TaskState != (int)TaskState.Running || !task.Holds(lease)) return ReportOutcome.Ignored;
            var found = new List<(TaskRef Ref, string Id, PrerequisiteRow Row)>(redoIds.Count);
            foreach (var (r, id) in redoIds)
            {
                var p = await c.QuerySingleOrDefaultAsync<PrerequisiteRow>(Cmd(CommonSql.Prerequisite, new { lease.TaskId, PrereqId = id }, tx, ct))
                    .ConfigureAwait(false) ?? throw StoreArgs.NotAPrerequisite(r, lease.TaskId);
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
                    await FailJobAsync(c, tx, job.JobSeq, TaskFailureMessages.RepairsExhausted(r.Type, r.Index, p.Repairs, error), nowMs, ct)
                        .ConfigureAwait(false);
                    return ReportOutcome.Accepted;
                }
                await c.ExecuteAsync(Cmd(CommonSql.Redo, new { TaskId = id, Now = nowMs, Error = error }, tx, ct)).ConfigureAwait(false);
                waiting++;
            }
            await c.ExecuteAsync(Cmd(CommonSql.WaitAgain, new { lease.TaskId, Waiting = waiting, Now = nowMs, Error = error }, tx, ct))
                .ConfigureAwait(false);
            return ReportOutcome.Accepted;
        }, ct);
    }

    public Task<IReadOnlyList<ExpiredLease>> RequeueTasksOfAgentsAsync(string agentIdPrefix, DateTimeOffset now, CancellationToken ct = default)
    {
        StoreArgs.AgentId(agentIdPrefix);
        long nowMs = StoreTime.Ms(now);
        return InTransactionAsync<IReadOnlyList<ExpiredLease>>("requeue the tasks of agents " + agentIdPrefix + "*", async (c, tx) =>
        {
            var args = new { Prefix = agentIdPrefix, PrefixLength = agentIdPrefix.Length };
            var rows = (await c.QueryAsync<InterruptedRow>(Cmd(CommonSql.TasksOfAgents, args, tx, ct)).ConfigureAwait(false)).ToList();
            var done = new List<ExpiredLease>();
            if (rows.Count == 0) return done;
            // The lock order: job rows, then task rows by id; the updates below re-check that each task still runs.
            long[] seqs = rows.Select(r => r.JobSeq).Distinct().Order().ToArray();
            await c.ExecuteAsync(Cmd(PostgresSql.LockJobsBySeq, new { Seqs = seqs }, tx, ct)).ConfigureAwait(false);
            await c.ExecuteAsync(Cmd(PostgresSql.LockPrerequisites, new { Ids = rows.Select(r => r.TaskId).ToArray() }, tx, ct)).ConfigureAwait(false);
            foreach (var r in rows)
            {
                var type = (TaskType)r.Type;
                int interruptions = r.Interruptions + 1;
                if (interruptions < _policy.MaxInterruptions(type))
                {
                    if (await c.ExecuteAsync(Cmd(CommonSql.RequeueInterrupted, new { r.TaskId, Now = nowMs, Error = TaskFailureMessages.Interrupted }, tx, ct))
                            .ConfigureAwait(false) == 1)
                        done.Add(new ExpiredLease(r.TaskId, type, JobFailed: false));
                }
                else
                {
                    string error = TaskFailureMessages.NodeStopped(type, r.Idx, interruptions);
                    if (await c.ExecuteAsync(Cmd(CommonSql.FailInterrupted, new { r.TaskId, Error = error }, tx, ct)).ConfigureAwait(false) == 1)
                    {
                        await FailJobAsync(c, tx, r.JobSeq, error, nowMs, ct).ConfigureAwait(false);
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
        string key = kind.Key(id);
        return InTransactionAsync($"claim {kind.Name()} {id} for deletion", async (c, tx) =>
        {
            // Exclusive: waits for jobs being created with this blob, and keeps new ones waiting until the claim commits.
            await c.ExecuteAsync(Cmd(PostgresSql.LockBlobKey, new { Key = key }, tx, ct)).ConfigureAwait(false);
            if (await c.ExecuteScalarAsync<bool>(Cmd(kind == SharedBlob.Image ? CommonSql.ImageInUse : CommonSql.InputInUse, new { Id = id }, tx, ct))
                    .ConfigureAwait(false))
                return false;
            await c.ExecuteAsync(Cmd(CommonSql.ClaimBlob, new { Key = key, Now = nowMs }, tx, ct)).ConfigureAwait(false);
            return true;
        }, ct);
    }

    public Task ReleaseBlobDeletionAsync(SharedBlob kind, string id, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return RunAsync($"release the deletion claim on {kind.Name()} {id}",
            c => c.ExecuteAsync(Cmd(CommonSql.ReleaseBlob, new { Key = kind.Key(id) }, null, ct)), ct);
    }

    public Task<int> DeleteEndedJobsAsync(DateTimeOffset finishedBefore, int limit, CancellationToken ct = default)
    {
        StoreArgs.Limit(limit);
        return InTransactionAsync("delete ended jobs", async (c, tx) =>
        {
            long[] seqs = (await c.QueryAsync<long>(Cmd(PostgresSql.EndedJobsToDelete,
                new { FinishedBefore = StoreTime.Ms(finishedBefore), Limit = limit }, tx, ct)).ConfigureAwait(false)).ToArray();
            if (seqs.Length == 0) return 0;
            await c.ExecuteAsync(Cmd(PostgresSql.DeleteDepsOfJobs, new { Seqs = seqs }, tx, ct)).ConfigureAwait(false);
            await c.ExecuteAsync(Cmd(PostgresSql.DeleteTasksOfJobs, new { Seqs = seqs }, tx, ct)).ConfigureAwait(false);
            return await c.ExecuteAsync(Cmd(PostgresSql.DeleteJobs, new { Seqs = seqs }, tx, ct)).ConfigureAwait(false);
        }, ct);
    }

    /// <summary>Fails a running job with <paramref name="error"/> and cancels its unfinished tasks (the caller holds the
    /// job's row lock).</summary>
    private static async Task FailJobAsync(NpgsqlConnection c, NpgsqlTransaction tx, long jobSeq, string error, long nowMs, CancellationToken ct)
    {
        await c.ExecuteAsync(Cmd(PostgresSql.EndJob, new { State = (int)JobState.Failed, Error = error, Now = nowMs, JobSeq = jobSeq }, tx, ct))
            .ConfigureAwait(false);
        await c.ExecuteAsync(Cmd(PostgresSql.CancelUnfinishedTasks, new { JobSeq = jobSeq }, tx, ct)).ConfigureAwait(false);
    }
}
