namespace Verity.Cluster.Store.Sqlite;

/// <summary>The SQLite schema as ordered migrations (version 1 = the initial schema, 2 = node restarts, proof repairs,
/// row retention and blob deletion claims). Never edit a released migration:
/// append a new one.</summary>
internal static class SqliteSchema
{
    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "initial schema", """
            CREATE TABLE jobs (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,      -- creation order (never reused)
                job_id TEXT NOT NULL UNIQUE,
                spec_json TEXT NOT NULL,
                image_id TEXT NOT NULL,
                input_id TEXT NOT NULL,
                deadline_ms INTEGER,
                priority INTEGER NOT NULL,
                state INTEGER NOT NULL,                     -- JobState
                error TEXT,
                created_ms INTEGER NOT NULL,
                finished_ms INTEGER,
                execution_json TEXT,
                segments INTEGER NOT NULL DEFAULT 0,        -- from execution_json, for claims
                receipt_bytes INTEGER,
                receipt_fetched_ms INTEGER,
                blobs_deleted_ms INTEGER
            );
            CREATE INDEX jobs_image ON jobs (image_id);
            CREATE INDEX jobs_input ON jobs (input_id);
            CREATE INDEX jobs_running ON jobs (seq) WHERE state = 0;
            CREATE INDEX jobs_unreaped ON jobs (seq) WHERE blobs_deleted_ms IS NULL AND state <> 0;

            CREATE TABLE tasks (
                task_id TEXT PRIMARY KEY,                   -- <job id>:<type>:<index>
                job_seq INTEGER NOT NULL REFERENCES jobs (seq),
                type INTEGER NOT NULL,                      -- TaskType
                idx INTEGER NOT NULL,
                stage INTEGER NOT NULL,                     -- TaskTypes.Stage(type)
                deadline_key INTEGER NOT NULL,              -- the job's deadline (ms), or the largest value
                priority INTEGER NOT NULL,                  -- the job's priority
                state INTEGER NOT NULL,                     -- TaskState
                waiting_on INTEGER NOT NULL DEFAULT 0,      -- prerequisites not yet done
                attempts INTEGER NOT NULL DEFAULT 0,
                ready_ms INTEGER NOT NULL,                  -- claimable from
                lease_id INTEGER,                           -- the current (or, when Ready after expiry, last) lease
                lease_started_ms INTEGER,
                lease_expires_ms INTEGER,
                agent_id TEXT,
                progress REAL,
                output_json TEXT,
                last_error TEXT
            );
            CREATE INDEX tasks_ready ON tasks (deadline_key, priority DESC, stage, job_seq, idx) WHERE state = 1;
            CREATE INDEX tasks_running ON tasks (lease_expires_ms) WHERE state = 2;
            CREATE INDEX tasks_job ON tasks (job_seq, type, idx);

            CREATE TABLE task_deps (
                prereq_id TEXT NOT NULL,
                task_id TEXT NOT NULL,
                PRIMARY KEY (prereq_id, task_id)
            ) WITHOUT ROWID;

            CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
            INSERT INTO counters (name, value) VALUES ('lease', 0);
            """),
        new(2, "interruptions, repairs, row retention, blob deletion claims", """
            ALTER TABLE tasks ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;  -- node restarts while it ran
            ALTER TABLE tasks ADD COLUMN repairs INTEGER NOT NULL DEFAULT 0;        -- re-runs asked for by a dependent
            CREATE INDEX jobs_ended ON jobs (finished_ms) WHERE state <> 0;

            CREATE TABLE blob_claims (
                blob_key TEXT PRIMARY KEY,                  -- an image or input being deleted by cleanup
                claimed_ms INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
        new(3, "agent credentials", AgentCredentialSql.CreateTable),
    ];
}
