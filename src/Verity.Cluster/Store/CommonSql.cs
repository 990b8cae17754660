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

    /// <summary>
    /// Renews the lease the store records for the task (id and start both match), or takes back the task requeued after
    /// that lease expired; only while the job runs and the attempt is within its max duration (counted from the stored
    /// start, never from a caller's claim), and only from the agent the lease was issued to (lease ids are sequential, so
    /// guessable: the agent id, bound to the agent's credentials by the RPC, is what another agent cannot claim).
    /// Parameters: task id, lease id, started, agent id, now, renewed expiry, max duration.
    /// </summary>
    public const string Heartbeat = """
        UPDATE tasks SET state = 2,
            lease_expires_ms = CASE WHEN lease_started_ms + @MaxDurationMs < @RenewedMs THEN lease_started_ms + @MaxDurationMs ELSE @RenewedMs END,
            progress = COALESCE(@Progress, progress)
        WHERE task_id = @TaskId AND lease_id = @LeaseId AND lease_started_ms = @StartedMs AND agent_id = @AgentId AND state IN (1, 2)
          AND lease_started_ms + @MaxDurationMs > @Now
          AND EXISTS (SELECT 1 FROM jobs j WHERE j.seq = tasks.job_seq AND j.state = 0)
        """;

    /// <summary>Running tasks leased to agents whose id starts with the prefix (the node's embedded agents).</summary>
    public const string TasksOfAgents = """
        SELECT task_id AS TaskId, job_seq AS JobSeq, type AS Type, idx AS Idx, interruptions AS Interruptions
        FROM tasks WHERE state = 2 AND agent_id IS NOT NULL AND substr(agent_id, 1, @PrefixLength) = @Prefix
        ORDER BY task_id
        """;

    /// <summary>Requeues a task its (dead) embedded agent held: the attempt it used is given back, an interruption counted.</summary>
    public const string RequeueInterrupted = """
        UPDATE tasks SET state = 1, ready_ms = @Now, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
            interruptions = interruptions + 1, lease_id = NULL, lease_started_ms = NULL, lease_expires_ms = NULL,
            agent_id = NULL, progress = NULL, last_error = @Error
        WHERE task_id = @TaskId AND state = 2
        """;

    public const string FailInterrupted = """
        UPDATE tasks SET state = 4, interruptions = interruptions + 1, last_error = @Error, lease_expires_ms = NULL
        WHERE task_id = @TaskId AND state = 2
        """;

    /// <summary>A prerequisite of the reporting task, as a redo request names it.</summary>
    public const string Prerequisite = """
        SELECT t.state AS State, t.repairs AS Repairs FROM task_deps d JOIN tasks t ON t.task_id = d.prereq_id
        WHERE d.task_id = @TaskId AND d.prereq_id = @PrereqId
        """;

    /// <summary>Runs a done task again (its output was found unusable): fresh attempts, one repair counted.</summary>
    public const string Redo = """
        UPDATE tasks SET state = 1, ready_ms = @Now, attempts = 0, repairs = repairs + 1, output_json = NULL, lease_id = NULL,
            lease_started_ms = NULL, lease_expires_ms = NULL, agent_id = NULL, progress = NULL, last_error = @Error
        WHERE task_id = @TaskId AND state = 3
        """;

    /// <summary>The task that asked for a redo waits again for those prerequisites; the attempt it used is given back.</summary>
    public const string WaitAgain = """
        UPDATE tasks SET state = CASE WHEN @Waiting = 0 THEN 1 ELSE 0 END, waiting_on = @Waiting, ready_ms = @Now,
            attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, lease_id = NULL, lease_started_ms = NULL,
            lease_expires_ms = NULL, agent_id = NULL, progress = NULL, last_error = @Error
        WHERE task_id = @TaskId
        """;

    public const string ClaimBlob = """
        INSERT INTO blob_claims (blob_key, claimed_ms) VALUES (@Key, @Now)
        ON CONFLICT (blob_key) DO UPDATE SET claimed_ms = excluded.claimed_ms
        """;

    public const string ReleaseBlob = "DELETE FROM blob_claims WHERE blob_key = @Key";

    /// <summary>The live deletion claims on a new job's image and input.</summary>
    public const string ClaimedBlobs = """
        SELECT blob_key FROM blob_claims WHERE blob_key IN (@ImageKey, @InputKey) AND claimed_ms > @ClaimedAfter
        """;

    /// <summary>Ended jobs whose blobs are gone and whose rows are past retention, oldest first.</summary>
    public const string EndedJobsToDelete = """
        SELECT seq FROM jobs WHERE state <> 0 AND blobs_deleted_ms IS NOT NULL AND finished_ms < @FinishedBefore
        ORDER BY finished_ms, seq LIMIT @Limit
        """;

}
