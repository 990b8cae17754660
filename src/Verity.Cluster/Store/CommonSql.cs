namespace Verity.Cluster.Store;

/// <summary>
/// Statements both stores run as they are: plain SQL that PostgreSQL and SQLite read the same way (the same schema
/// names and state codes). Dialect-specific statements — claims, row locks, upserts — stay in
/// <see cref="Postgres.PostgresSql"/> and <see cref="Sqlite.SqliteSql"/>.
/// </summary>
internal static class CommonSql
{
    public const string JobById = $"SELECT {JobRow.Columns} FROM jobs WHERE job_id = @JobId";

    public const string JobSeq = "SELECT seq FROM jobs WHERE job_id = @JobId";

    public const string TaskStateById = "SELECT state FROM tasks WHERE task_id = @TaskId";

    public const string SetExecution = "UPDATE jobs SET execution_json = @ExecutionJson, segments = @Segments WHERE seq = @JobSeq";

    public const string SucceedJob = """
        UPDATE jobs SET state = 1, finished_ms = @Now, receipt_bytes = COALESCE(@ReceiptBytes, receipt_bytes)
        WHERE seq = @JobSeq AND state = 0
        """;

    public const string CancelJobById = """
        UPDATE jobs SET state = 3, error = @Error, finished_ms = @Now WHERE job_id = @JobId AND state = 0 RETURNING seq
        """;

    public const string Retry = """
        UPDATE tasks SET state = 1, ready_ms = @ReadyMs, last_error = @Error, lease_id = NULL, lease_started_ms = NULL,
            lease_expires_ms = NULL, agent_id = NULL, progress = NULL
        WHERE task_id = @TaskId
        """;

    public const string FailTask = "UPDATE tasks SET state = 4, last_error = @Error, lease_expires_ms = NULL WHERE task_id = @TaskId";

    public const string TaskCounts = """
        SELECT type AS Type, state AS State, COUNT(*) AS N, SUM(attempts) AS Runs,
            SUM(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END) AS Reruns
        FROM tasks WHERE job_seq = @JobSeq GROUP BY type, state
        """;

    public const string ExpiredRunningJobs = $"""
        SELECT {JobRow.Columns} FROM jobs
        WHERE state = 0 AND ((deadline_ms IS NOT NULL AND deadline_ms < @DeadlineBefore) OR created_ms < @CreatedBefore)
        ORDER BY seq LIMIT @Limit
        """;

    public const string JobsToReap = $"""
        SELECT {JobRow.Columns} FROM jobs
        WHERE state <> 0 AND blobs_deleted_ms IS NULL
          AND (state IN (2, 3) OR (state = 1 AND receipt_fetched_ms < @FetchedBefore) OR finished_ms < @FinishedBefore)
        ORDER BY seq LIMIT @Limit
        """;

    public const string MarkReceiptFetched =
        "UPDATE jobs SET receipt_fetched_ms = @Now WHERE job_id = @JobId AND receipt_fetched_ms IS NULL";

    public const string MarkBlobsDeleted =
        "UPDATE jobs SET blobs_deleted_ms = @Now WHERE job_id = @JobId AND blobs_deleted_ms IS NULL";

    public const string ImageInUse =
        "SELECT EXISTS (SELECT 1 FROM jobs WHERE image_id = @Id AND (state = 0 OR blobs_deleted_ms IS NULL))";

    public const string InputInUse =
        "SELECT EXISTS (SELECT 1 FROM jobs WHERE input_id = @Id AND (state = 0 OR blobs_deleted_ms IS NULL))";

    public const string JobStats = "SELECT 0 AS Type, state AS State, COUNT(*) AS N FROM jobs GROUP BY state";

    public const string TaskStats = "SELECT type AS Type, state AS State, COUNT(*) AS N FROM tasks GROUP BY type, state";
}
