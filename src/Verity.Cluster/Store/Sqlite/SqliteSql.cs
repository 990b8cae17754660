namespace Verity.Cluster.Store.Sqlite;

/// <summary>The statements of <see cref="SqliteTaskStore"/> (SQLite dialect). Every write runs inside one BEGIN IMMEDIATE
/// transaction, so these need no row locks: SQLite has one writer at a time.</summary>
internal static class SqliteSql
{
    public const string Pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

    public const string HasMigrationsTable =
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";

    public const string InsertJob = """
        INSERT INTO jobs (job_id, spec_json, image_id, input_id, deadline_ms, priority, state, created_ms)
        VALUES (@JobId, @SpecJson, @ImageId, @InputId, @DeadlineMs, @Priority, 0, @Now)
        RETURNING seq
        """;

    public const string InsertTask = """
        INSERT INTO tasks (task_id, job_seq, type, idx, stage, deadline_key, priority, state, waiting_on, attempts, ready_ms)
        VALUES (@TaskId, @JobSeq, @Type, @Idx, @Stage, @DeadlineKey, @Priority, @State, 0, 0, @Now)
        ON CONFLICT (task_id) DO NOTHING
        """;

    public const string InsertDep = "INSERT INTO task_deps (prereq_id, task_id) VALUES (@PrereqId, @TaskId) ON CONFLICT DO NOTHING";

    /// <summary>A new task's count of prerequisites not yet done, and its state from that count.</summary>
    public const string SetWaiting = """
        UPDATE tasks SET waiting_on = c.n, state = CASE WHEN c.n = 0 THEN 1 ELSE 0 END
        FROM (SELECT COUNT(*) AS n FROM task_deps d JOIN tasks p ON p.task_id = d.prereq_id
              WHERE d.task_id = @TaskId AND p.state <> 3) AS c
        WHERE task_id = @TaskId
        """;

    /// <summary>A prerequisite of the new task that is not in the job (none: every one exists).</summary>
    public const string MissingPrerequisite = """
        SELECT d.prereq_id FROM task_deps d LEFT JOIN tasks p ON p.task_id = d.prereq_id
        WHERE d.task_id = @TaskId AND p.task_id IS NULL LIMIT 1
        """;

    public const string NextReady = $"""
        SELECT task_id FROM tasks
        WHERE state = 1 AND ready_ms <= @Now AND ((@Mask >> type) & 1) = 1
        ORDER BY {TaskOrder.OrderBy}
        LIMIT 1
        """;

    public const string Lease = """
        UPDATE tasks SET state = 2, attempts = attempts + 1, lease_id = @LeaseId, lease_started_ms = @Now,
            lease_expires_ms = @Now + CASE type WHEN 0 THEN @Lease0 WHEN 1 THEN @Lease1 ELSE @Lease2 END,
            agent_id = @AgentId, progress = NULL
        WHERE task_id = @TaskId
        RETURNING task_id AS TaskId, job_seq AS JobSeq, type AS Type, idx AS Idx, attempts AS Attempts,
            lease_id AS LeaseId, lease_started_ms AS LeaseStartedMs
        """;

    public const string ClaimJob = "SELECT job_id AS JobId, spec_json AS SpecJson, segments AS Segments FROM jobs WHERE seq = @JobSeq";

    public const string TaskForReport = """
        SELECT t.state AS TaskState, t.job_seq AS JobSeq, t.attempts AS Attempts, t.lease_id AS LeaseId,
            t.lease_started_ms AS LeaseStartedMs, j.state AS JobState,
            j.deadline_ms AS DeadlineMs, j.priority AS Priority
        FROM tasks t JOIN jobs j ON j.seq = t.job_seq
        WHERE t.task_id = @TaskId
        """;

    public const string MarkDone = """
        UPDATE tasks SET state = 3, output_json = @OutputJson, progress = 1, lease_expires_ms = NULL
        WHERE task_id = @TaskId
        """;

    public const string ReleaseDependents = """
        UPDATE tasks SET waiting_on = waiting_on - 1, state = CASE WHEN waiting_on <= 1 THEN 1 ELSE 0 END, ready_ms = @Now
        WHERE state = 0 AND task_id IN (SELECT task_id FROM task_deps WHERE prereq_id = @TaskId)
        """;

    public const string EndJob = """
        UPDATE jobs SET state = @State, error = @Error, finished_ms = @Now WHERE seq = @JobSeq AND state = 0
        """;

    public const string CancelUnfinishedTasks = """
        UPDATE tasks SET state = 5, lease_expires_ms = NULL WHERE job_seq = @JobSeq AND state IN (0, 1, 2)
        """;

    public const string ExpiredLeases = """
        SELECT task_id AS TaskId, job_seq AS JobSeq, type AS Type, idx AS Idx, attempts AS Attempts,
            lease_started_ms AS LeaseStartedMs, lease_expires_ms AS LeaseExpiresMs
        FROM tasks WHERE state = 2 AND lease_expires_ms < @Now
        ORDER BY lease_expires_ms, task_id
        """;

    // The expired lease stays recorded, so its agent can still take the task back (heartbeat) or finish it, until a new claim.
    public const string Requeue = """
        UPDATE tasks SET state = 1, ready_ms = @Now, last_error = @Error, lease_expires_ms = NULL
        WHERE task_id = @TaskId AND state = 2
        """;

    // Every dependency links two tasks of one job: deleting by prerequisite uses the primary key. Dapper expands @Seqs.
    public const string DeleteDepsOfJobs = "DELETE FROM task_deps WHERE prereq_id IN (SELECT task_id FROM tasks WHERE job_seq IN @Seqs)";

    public const string DeleteTasksOfJobs = "DELETE FROM tasks WHERE job_seq IN @Seqs";

    public const string DeleteJobs = "DELETE FROM jobs WHERE seq IN @Seqs";
}
