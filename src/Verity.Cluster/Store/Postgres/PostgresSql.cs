namespace Verity.Cluster.Store.Postgres;

/// <summary>
/// The statements of <see cref="PostgresTaskStore"/> (PostgreSQL dialect, READ COMMITTED). Rules that keep concurrent
/// transactions correct: a transaction that needs a job's row lock takes it before any of the job's task rows; rows of
/// several tasks are locked in task id order (ORDER BY task_id FOR UPDATE); counters are decremented (never recomputed)
/// so each update applies to the newest row version.
/// </summary>
internal static class PostgresSql
{
    public const string HasMigrationsTable = "SELECT to_regclass('schema_migrations') IS NOT NULL";

    public const string MigrationLock = "SELECT pg_advisory_xact_lock(@Key)";

    /// <summary>Locks the job's row (first, before any task row) and returns what reports need.</summary>
    public const string LockJob = """
        SELECT seq AS JobSeq, state AS JobState, deadline_ms AS DeadlineMs, priority AS Priority
        FROM jobs WHERE job_id = @JobId FOR UPDATE
        """;

    public const string InsertJob = """
        INSERT INTO jobs (job_id, spec_json, image_id, input_id, deadline_ms, priority, state, created_ms)
        VALUES (@JobId, @SpecJson, @ImageId, @InputId, @DeadlineMs, @Priority, 0, @Now)
        ON CONFLICT (job_id) DO NOTHING
        RETURNING seq
        """;

    /// <summary>Inserts the batch in its order; tasks with prerequisites start Pending (their count is set below).</summary>
    public const string InsertTasks = """
        INSERT INTO tasks (task_id, job_seq, type, idx, stage, deadline_key, priority, state, waiting_on, attempts, ready_ms)
        SELECT u.task_id, @JobSeq, u.type, u.idx, u.stage, @DeadlineKey, @Priority,
            CASE WHEN u.waits THEN 0 ELSE 1 END, 0, 0, @Now
        FROM unnest(@TaskIds::text[], @Types::int[], @Idxs::int[], @Stages::int[], @Waits::bool[])
            WITH ORDINALITY AS u(task_id, type, idx, stage, waits, ord)
        ORDER BY u.ord
        ON CONFLICT (task_id) DO NOTHING
        RETURNING task_id
        """;

    public const string InsertDeps = """
        INSERT INTO task_deps (prereq_id, task_id)
        SELECT u.prereq_id, u.task_id FROM unnest(@PrereqIds::text[], @DepTaskIds::text[]) AS u(prereq_id, task_id)
        WHERE u.task_id = ANY(@Inserted::text[])
        ON CONFLICT DO NOTHING
        """;

    /// <summary>Locks the prerequisites (a concurrent completion of one either finished before, and is seen done by the
    /// count below, or waits for this transaction and then sees its dependency rows) and lists the ones that exist.</summary>
    public const string LockPrerequisites = """
        SELECT task_id FROM tasks WHERE task_id = ANY(@Ids::text[]) ORDER BY task_id FOR UPDATE
        """;

    public const string SetWaiting = """
        UPDATE tasks t SET waiting_on = c.n, state = CASE WHEN c.n = 0 THEN 1 ELSE 0 END
        FROM (SELECT d.task_id, COUNT(*) FILTER (WHERE p.state <> 3) AS n
              FROM task_deps d JOIN tasks p ON p.task_id = d.prereq_id
              WHERE d.task_id = ANY(@Waiting::text[])
              GROUP BY d.task_id) c
        WHERE t.task_id = c.task_id
        """;

    /// <summary>
    /// Claims for several callers with the same allow-list, in one statement: pick the best Ready tasks (skipping rows
    /// other transactions hold), lease the k-th best to the k-th caller, and return them with their jobs' specs (joined
    /// on the leased rows by primary key). Callers left without a task get no row. Parameters: $1 agent ids, $2 each
    /// caller's now (lease start), $3 the earliest of those (a task must be ready for every caller of the batch),
    /// $4 type mask, $5 number of callers, $6..$8 lease length per type, $9 a random lease id per caller (LeaseIds).
    /// </summary>
    public const string Claim = $"""
        WITH req AS (
            SELECT r.agent, r.now, r.k FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS r(agent, now, k)),
        pick AS (
            SELECT p.task_id, row_number() OVER (ORDER BY {TaskOrder.OrderBy}) AS k
            FROM (SELECT task_id, deadline_key, priority, stage, job_seq, idx FROM tasks
                  WHERE state = 1 AND ready_ms <= $3 AND (($4 >> type) & 1) = 1
                  ORDER BY {TaskOrder.OrderBy}
                  LIMIT $5
                  FOR UPDATE SKIP LOCKED) p),
        leased AS (
            UPDATE tasks t SET state = 2, attempts = t.attempts + 1, lease_id = ($9::bigint[])[req.k], lease_started_ms = req.now,
                lease_expires_ms = req.now + CASE t.type WHEN 0 THEN $6 WHEN 1 THEN $7 ELSE $8 END,
                agent_id = req.agent, progress = NULL
            FROM pick JOIN req ON req.k = pick.k
            WHERE t.task_id = pick.task_id
            RETURNING req.k, t.task_id, t.job_seq, t.type, t.idx, t.attempts, t.lease_id, t.lease_started_ms)
        SELECT l.k, l.task_id, j.job_id, l.type, l.idx, l.attempts, l.lease_id, l.lease_started_ms, j.spec_json, j.segments
        FROM leased l JOIN jobs j ON j.seq = l.job_seq
        """;

    /// <summary>After a batch of completions: the state of the ones that changed nothing (Done: Duplicate).</summary>
    public const string TaskStates = "SELECT task_id, state FROM tasks WHERE task_id = ANY($1::text[])";

    /// <summary>Completion step 1: mark the task done if it is Ready or Running under the caller's lease (the one the
    /// store records) and its job runs (rows affected: 1); the token tells step 2 that this statement, not an earlier
    /// completion, did it. $1 task id, $2 output, $3 token, $4 lease id, $5 lease start.</summary>
    public const string MarkDone = """
        UPDATE tasks t SET state = 3, output_json = $2, done_token = $3, progress = 1, lease_expires_ms = NULL
        WHERE t.task_id = $1 AND t.state IN (1, 2) AND t.lease_id = $4 AND t.lease_started_ms = $5
          AND EXISTS (SELECT 1 FROM jobs j WHERE j.seq = t.job_seq AND j.state = 0)
        """;

    /// <summary>Completion step 2 (a separate statement, so its snapshot sees dependency rows committed while step 1
    /// waited for the task's lock): decrement the Pending dependents, locked in id order. $1 task id, $2 token, $3 now.</summary>
    public const string ReleaseDependents = """
        WITH d AS (
            SELECT t.task_id FROM task_deps dd JOIN tasks t ON t.task_id = dd.task_id
            WHERE dd.prereq_id = $1 AND t.state = 0
              AND EXISTS (SELECT 1 FROM tasks me WHERE me.task_id = $1 AND me.done_token = $2)
            ORDER BY t.task_id
            FOR UPDATE OF t)
        UPDATE tasks SET waiting_on = tasks.waiting_on - 1,
            state = CASE WHEN tasks.waiting_on <= 1 THEN 1 ELSE 0 END, ready_ms = $3
        FROM d WHERE tasks.task_id = d.task_id
        """;

    public const string LockTask = """
        SELECT state AS TaskState, job_seq AS JobSeq, attempts AS Attempts, lease_id AS LeaseId, lease_started_ms AS LeaseStartedMs
        FROM tasks WHERE task_id = @TaskId FOR UPDATE
        """;

    public const string EndJob = "UPDATE jobs SET state = @State, error = @Error, finished_ms = @Now WHERE seq = @JobSeq AND state = 0";

    public const string CancelUnfinishedTasks = """
        WITH c AS (SELECT task_id FROM tasks WHERE job_seq = @JobSeq AND state IN (0, 1, 2) ORDER BY task_id FOR UPDATE)
        UPDATE tasks SET state = 5, lease_expires_ms = NULL FROM c WHERE tasks.task_id = c.task_id
        """;

    /// <summary>Requeues, in one statement, every expired task with attempts left (rows a heartbeat or report holds right
    /// now are skipped: they are being renewed or finished). The lease stays recorded for a take-back.</summary>
    public const string RequeueExpired = """
        WITH c AS (
            SELECT task_id FROM tasks
            WHERE state = 2 AND lease_expires_ms < @Now
              AND attempts < CASE type WHEN 0 THEN @Max0 WHEN 1 THEN @Max1 ELSE @Max2 END
            ORDER BY task_id
            FOR UPDATE SKIP LOCKED)
        UPDATE tasks t SET state = 1, ready_ms = @Now
        FROM c WHERE t.task_id = c.task_id
        RETURNING t.task_id AS TaskId, t.type AS Type, t.lease_started_ms AS LeaseStartedMs, t.lease_expires_ms AS LeaseExpiresMs
        """;

    public const string SetLastErrors = """
        UPDATE tasks t SET last_error = u.error FROM unnest(@TaskIds::text[], @Errors::text[]) AS u(task_id, error)
        WHERE t.task_id = u.task_id
        """;

    public const string ExpiredOutOfAttempts = """
        SELECT t.task_id AS TaskId, j.job_id AS JobId
        FROM tasks t JOIN jobs j ON j.seq = t.job_seq
        WHERE t.state = 2 AND t.lease_expires_ms < @Now
          AND t.attempts >= CASE t.type WHEN 0 THEN @Max0 WHEN 1 THEN @Max1 ELSE @Max2 END
        ORDER BY t.lease_expires_ms, t.task_id
        """;

    public const string LockExpired = """
        SELECT task_id AS TaskId, job_seq AS JobSeq, type AS Type, idx AS Idx, attempts AS Attempts,
            lease_started_ms AS LeaseStartedMs, lease_expires_ms AS LeaseExpiresMs
        FROM tasks WHERE task_id = @TaskId AND state = 2 AND lease_expires_ms < @Now
        FOR UPDATE
        """;

    /// <summary>Serializes a job's creation with the deletion claim of its image or input: creations take the key's lock
    /// shared (they do not wait on each other), a claim takes it exclusive.</summary>
    public const string LockBlobKeyShared = "SELECT pg_advisory_xact_lock_shared(hashtextextended(@Key, 0))";

    public const string LockBlobKey = "SELECT pg_advisory_xact_lock(hashtextextended(@Key, 0))";

    public const string LockJobsBySeq = "SELECT seq FROM jobs WHERE seq = ANY(@Seqs) ORDER BY seq FOR UPDATE";

    public const string EndedJobsToDelete = """
        SELECT seq FROM jobs WHERE state <> 0 AND blobs_deleted_ms IS NOT NULL AND finished_ms < @FinishedBefore
        ORDER BY finished_ms, seq LIMIT @Limit
        FOR UPDATE SKIP LOCKED
        """;

    // Every dependency links two tasks of one job: deleting by prerequisite uses the primary key.
    public const string DeleteDepsOfJobs = "DELETE FROM task_deps WHERE prereq_id IN (SELECT task_id FROM tasks WHERE job_seq = ANY(@Seqs))";

    public const string DeleteTasksOfJobs = "DELETE FROM tasks WHERE job_seq = ANY(@Seqs)";

    public const string DeleteJobs = "DELETE FROM jobs WHERE seq = ANY(@Seqs)";
}
