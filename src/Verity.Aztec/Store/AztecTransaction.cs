using System.Data.Common;
using Dapper;
using Verity.Aztec.Protocol;

namespace Verity.Aztec.Store;

/// <summary>
/// The job store's statements inside one transaction (<see cref="AztecJobStore.WriteAsync{T}"/>): the broker's rules
/// (<c>Scheduling/AztecBroker</c>) are written once over these, for SQLite and PostgreSQL alike.
/// </summary>
public sealed class AztecTransaction
{
    private const string RowColumns =
        "id AS Id, type AS Type, epoch AS Epoch, inputs_uri AS InputsUri, state AS State, attempts AS Attempts, beats AS Beats, " +
        "started_at AS StartedAt, enqueued_at AS EnqueuedAt, result AS Result, reason AS Reason";

    private const string EpochHeightKey = "epoch_height";
    private const string EpochReferenceKey = "epoch_reference";

    private readonly DbConnection _c;
    private readonly DbTransaction _tx;
    private readonly AztecSqlDialect _sql;

    internal AztecTransaction(DbConnection connection, DbTransaction transaction, AztecSqlDialect dialect)
    {
        _c = connection;
        _tx = transaction;
        _sql = dialect;
    }

    /// <summary>The job's row, locked until the transaction ends when <paramref name="lockRow"/> (PostgreSQL).</summary>
    internal AztecJobRow? Find(string id, bool lockRow) =>
        _c.QuerySingleOrDefault<AztecJobRow>($"SELECT {RowColumns} FROM aztec_jobs WHERE id = @id{(lockRow ? _sql.ForUpdate : "")}",
            new { id }, _tx);

    /// <summary>Stores a new queued job; false when a job with its id exists (another replica may have just added it).</summary>
    internal bool Insert(ProvingJob job, long now) =>
        _c.Execute("""
            INSERT INTO aztec_jobs (id, type, rank, epoch, inputs_uri, state, enqueued_at, created_at)
            VALUES (@Id, @Type, @Rank, @Epoch, @InputsUri, 0, @Now, @Now) ON CONFLICT (id) DO NOTHING
            """,
            new { job.Id, Type = (int)job.Type, Rank = job.Type.Rank(), Epoch = job.EpochNumber, job.InputsUri, Now = now }, _tx) == 1;

    /// <summary>The newest epoch any job was enqueued for (0 before the first).</summary>
    public long EpochHeight() =>
        _c.QuerySingleOrDefault<long?>("SELECT value FROM aztec_meta WHERE key = @key", new { key = EpochHeightKey }, _tx) ?? 0;

    /// <summary>
    /// The epoch new jobs are measured against for <c>MaxEpochsAhead</c>: the newest epoch as of the last cleanup
    /// pass (or the first job's), which enqueues between passes cannot move (null before the first job).
    /// </summary>
    internal long? EpochReference() =>
        _c.QuerySingleOrDefault<long?>("SELECT value FROM aztec_meta WHERE key = @key", new { key = EpochReferenceKey }, _tx);

    internal void SetEpochReference(long epoch) =>
        _c.Execute("INSERT INTO aztec_meta (key, value) VALUES (@key, @epoch) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            new { key = EpochReferenceKey, epoch }, _tx);

    internal void RaiseEpochHeight(long epoch) =>
        _c.Execute("""
            INSERT INTO aztec_meta (key, value) VALUES (@key, @epoch)
            ON CONFLICT (key) DO UPDATE SET value = CASE WHEN excluded.value > aztec_meta.value THEN excluded.value ELSE aztec_meta.value END
            """, new { key = EpochHeightKey, epoch }, _tx);

    /// <summary>
    /// The next queued job for <paramref name="filter"/> — by type in dispatch order, then the lower epoch, then the
    /// earlier enqueue — never <paramref name="exclude"/> and never one older than <paramref name="oldestEpoch"/>;
    /// it is marked in progress as started at <paramref name="now"/>. Null when none waits. Returns the row as it was
    /// and the job's heartbeat count after the pick.
    /// </summary>
    internal (AztecJobRow Row, long Beats)? Take(ProvingJobFilter filter, string? exclude, long oldestEpoch, long now)
    {
        // At most 18 distinct enum values, checked at the protocol edge: safe to write into the statement, and the
        // statement's text stays one of a bounded set however long the agent's list is.
        var row = _c.QuerySingleOrDefault<AztecJobRow>(PickSql(_sql, filter), new { oldestEpoch, exclude }, _tx);
        if (row is null) return null;
        return (row, MarkInProgress(row.Id, now, now));
    }

    /// <summary>The pick's statement (parameters @oldestEpoch, @exclude); its plan is checked by a test.</summary>
    internal static string PickSql(AztecSqlDialect sql, ProvingJobFilter filter)
    {
        string types = filter.AllowList.Count == 0 ? "" : $" AND type IN ({string.Join(',', filter.AllowList.Distinct().Select(t => (int)t))})";
        return $"SELECT {RowColumns} FROM aztec_jobs{sql.QueueIndex} WHERE state = 0 AND epoch >= @oldestEpoch " +
            $"AND (@exclude IS NULL OR id <> @exclude){types} ORDER BY rank, epoch, enqueued_at, id LIMIT 1{sql.SkipLocked}";
    }

    /// <summary>
    /// The job is held by an agent that started it at <paramref name="startedAt"/> and was heard from now; returns its
    /// heartbeat count, which every take and heartbeat raises (how a replica tells that a job was heard from without
    /// comparing its clock with another replica's).
    /// </summary>
    internal long MarkInProgress(string id, long startedAt, long now) =>
        _c.QuerySingle<long>("UPDATE aztec_jobs SET state = 1, started_at = @startedAt, updated_at = @now, beats = beats + 1 WHERE id = @id RETURNING beats",
            new { id, startedAt, now }, _tx);

    /// <summary>Records an error for a queued job without spending an attempt (a late report of one already counted).</summary>
    internal void NoteError(string id, string error) =>
        _c.Execute("UPDATE aztec_jobs SET last_error = @error WHERE id = @id", new { id, error }, _tx);

    /// <summary>Back in the queue after a failed attempt.</summary>
    internal void Requeue(string id, long now, string error) =>
        _c.Execute("""
            UPDATE aztec_jobs SET state = 0, attempts = attempts + 1, started_at = NULL, updated_at = NULL, enqueued_at = @now, last_error = @error
            WHERE id = @id
            """, new { id, now, error }, _tx);

    /// <summary>Settles the job (it then waits in the completed-jobs notifications until a producer asks).</summary>
    internal void Settle(string id, AztecJobState state, string? result, string? reason, long now, bool aborted, bool countAttempt)
    {
        if (!state.IsSettled()) throw new ArgumentOutOfRangeException(nameof(state), state, "not a settled state");
        _c.Execute("""
            UPDATE aztec_jobs SET state = @state, result = @result, reason = @reason, settled_at = @now, aborted = @aborted,
                attempts = attempts + @attempt, pending_notice = 1, last_error = COALESCE(@reason, last_error)
            WHERE id = @id
            """, new { id, state = (int)state, result, reason, now, aborted = aborted ? 1 : 0, attempt = countAttempt ? 1 : 0 }, _tx);
    }

    /// <summary>Jobs settled since the last call, each returned once across every caller and replica.</summary>
    internal List<string> TakeNotifications() =>
        _c.Query<string>("UPDATE aztec_jobs SET pending_notice = 0 WHERE pending_notice = 1 RETURNING id", transaction: _tx).AsList();

    /// <summary>Which of <paramref name="ids"/> are settled.</summary>
    internal List<string> SettledAmong(IReadOnlyList<string> ids) =>
        ids.Count == 0 ? [] : _c.Query<string>($"SELECT id FROM aztec_jobs WHERE {_sql.IdsMatch} AND state >= 2",
            new { ids = _sql.Ids(ids) }, _tx).AsList();

    /// <summary>Every in-progress job (as many as there are busy agents), without its inputs.</summary>
    internal List<AztecJobRow> InProgress() =>
        _c.Query<AztecJobRow>($"SELECT id AS Id, type AS Type, epoch AS Epoch, state AS State, attempts AS Attempts, beats AS Beats, " +
            "started_at AS StartedAt, enqueued_at AS EnqueuedAt FROM aztec_jobs WHERE state = 1", transaction: _tx).AsList();

    /// <summary>
    /// Takes back a job that was not heard from — requeued as a spent attempt, or rejected with
    /// <paramref name="rejectReason"/> — only if it is still in progress with heartbeat count <paramref name="beats"/>
    /// (a heartbeat through any replica since it was judged wins). False when it changed meanwhile.
    /// </summary>
    internal bool TimeOut(string id, long beats, long now, string? rejectReason, string error) =>
        _c.Execute(rejectReason is null
            ? """
              UPDATE aztec_jobs SET state = 0, attempts = attempts + 1, timeouts = timeouts + 1, started_at = NULL, updated_at = NULL,
                  enqueued_at = @now, last_error = @error
              WHERE id = @id AND state = 1 AND beats = @beats
              """
            : """
              UPDATE aztec_jobs SET state = 3, attempts = attempts + 1, timeouts = timeouts + 1, reason = @rejectReason, settled_at = @now,
                  pending_notice = 1, last_error = @error
              WHERE id = @id AND state = 1 AND beats = @beats
              """, new { id, beats, now, rejectReason, error }, _tx) == 1;

    /// <summary>Deletes every job of an epoch before <paramref name="oldestEpoch"/>; returns how many.</summary>
    internal int DeleteBefore(long oldestEpoch) =>
        _c.Execute("DELETE FROM aztec_jobs WHERE epoch < @oldestEpoch", new { oldestEpoch }, _tx);

    /// <summary>Jobs by type and state.</summary>
    public AztecJobCounts Counts()
    {
        var counts = new Dictionary<(ProvingRequestType, AztecJobState), long>();
        foreach (var row in _c.Query<CountRow>("SELECT type AS Type, state AS State, COUNT(*) AS N FROM aztec_jobs GROUP BY type, state", transaction: _tx))
            counts[((ProvingRequestType)row.Type, (AztecJobState)row.State)] = row.N;
        return new AztecJobCounts(counts);
    }

    /// <summary>The newest jobs first, optionally in one state only, without their inputs.</summary>
    public List<AztecJobSummary> List(AztecJobState? state, int limit) =>
        [.. _c.Query<SummaryRow>($"""
            SELECT id AS Id, type AS Type, epoch AS EpochNumber, state AS State, attempts AS Attempts, timeouts AS Timeouts,
                   created_at AS CreatedAtMs, enqueued_at AS EnqueuedAtMs, started_at AS StartedAtMs, updated_at AS UpdatedAtMs,
                   settled_at AS SettledAtMs, reason AS Reason, last_error AS LastError
            FROM aztec_jobs {(state is null ? "" : "WHERE state = @state")} ORDER BY created_at DESC, id LIMIT @limit
            """, new { state = (int?)state, limit }, _tx).Select(r => r.ToSummary())];

    private sealed class CountRow
    {
        public int Type { get; init; }
        public int State { get; init; }
        public long N { get; init; }
    }

    private sealed class SummaryRow
    {
        public string Id { get; init; } = "";
        public int Type { get; init; }
        public long EpochNumber { get; init; }
        public int State { get; init; }
        public int Attempts { get; init; }
        public int Timeouts { get; init; }
        public long CreatedAtMs { get; init; }
        public long EnqueuedAtMs { get; init; }
        public long? StartedAtMs { get; init; }
        public long? UpdatedAtMs { get; init; }
        public long? SettledAtMs { get; init; }
        public string? Reason { get; init; }
        public string? LastError { get; init; }

        public AztecJobSummary ToSummary() => new(Id, (ProvingRequestType)Type, EpochNumber, (AztecJobState)State, Attempts, Timeouts,
            CreatedAtMs, EnqueuedAtMs, StartedAtMs, UpdatedAtMs, SettledAtMs, Reason, LastError);
    }
}
