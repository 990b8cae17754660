using System.Text.Json;

namespace Verity.Aztec.Store;

/// <summary>
/// What differs between the SQLite and PostgreSQL job stores: row locks (PostgreSQL has several node replicas taking
/// jobs at once, so a read that decides a write locks its row, and a pick skips rows another replica holds; SQLite has
/// one writer at a time, so needs neither), how a list of ids is passed, an index hint, and the schema's types. The
/// large columns (inputs, result) come last in each row, so reading a job's state never walks their overflow pages.
/// </summary>
internal sealed class AztecSqlDialect
{
    public static readonly AztecSqlDialect Sqlite = new(
        forUpdate: "", skipLocked: "", queueIndex: " INDEXED BY aztec_jobs_queue",
        idsMatch: "id IN (SELECT value FROM json_each(@ids))", ids => JsonSerializer.Serialize(ids),
        bigint: "INTEGER");

    public static readonly AztecSqlDialect Postgres = new(
        forUpdate: " FOR UPDATE", skipLocked: " FOR UPDATE SKIP LOCKED", queueIndex: "",
        idsMatch: "id = ANY(@ids)", ids => ids.ToArray(),
        bigint: "BIGINT");

    private readonly Func<IReadOnlyList<string>, object> _ids;

    private AztecSqlDialect(string forUpdate, string skipLocked, string queueIndex, string idsMatch, Func<IReadOnlyList<string>, object> ids, string bigint)
    {
        ForUpdate = forUpdate;
        QueueIndex = queueIndex;
        SkipLocked = skipLocked;
        IdsMatch = idsMatch;
        _ids = ids;
        Schema = $"""
            CREATE TABLE IF NOT EXISTS aztec_meta (key TEXT PRIMARY KEY, value {bigint} NOT NULL);
            CREATE TABLE IF NOT EXISTS aztec_jobs (
                id TEXT PRIMARY KEY,
                type INTEGER NOT NULL,
                rank INTEGER NOT NULL,
                epoch {bigint} NOT NULL,
                state INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                beats {bigint} NOT NULL DEFAULT 0,
                timeouts INTEGER NOT NULL DEFAULT 0,
                started_at {bigint} NULL,
                updated_at {bigint} NULL,
                enqueued_at {bigint} NOT NULL,
                created_at {bigint} NOT NULL,
                settled_at {bigint} NULL,
                aborted INTEGER NOT NULL DEFAULT 0,
                pending_notice INTEGER NOT NULL DEFAULT 0,
                reason TEXT NULL,
                last_error TEXT NULL,
                result TEXT NULL,
                inputs_uri TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS aztec_jobs_queue ON aztec_jobs (rank, epoch, enqueued_at, id) WHERE state = 0;
            CREATE INDEX IF NOT EXISTS aztec_jobs_running ON aztec_jobs (updated_at) WHERE state = 1;
            CREATE INDEX IF NOT EXISTS aztec_jobs_notice ON aztec_jobs (id) WHERE pending_notice = 1;
            CREATE INDEX IF NOT EXISTS aztec_jobs_epoch ON aztec_jobs (epoch);
            CREATE INDEX IF NOT EXISTS aztec_jobs_created ON aztec_jobs (created_at);
            """;
    }

    /// <summary>Appended to a SELECT whose row the transaction will change.</summary>
    public string ForUpdate { get; }

    /// <summary>Appended to the pick of the next job: rows another replica holds are passed over, not waited for.</summary>
    public string SkipLocked { get; }

    /// <summary>
    /// Placed after the table in the pick of the next job. SQLite's planner, left to itself, answers the pick with the
    /// epoch index — reading every job of the epoch, inputs included, for each pick (quadratic in the queue; measured in
    /// docs/PERFORMANCE.md, "Aztec endpoint") — so it is told to walk the queue index. PostgreSQL picks that index itself.
    /// </summary>
    public string QueueIndex { get; }

    /// <summary>A condition "id is one of @ids".</summary>
    public string IdsMatch { get; }

    /// <summary>The schema, version <see cref="AztecJobStore.SchemaVersion"/>; idempotent.</summary>
    public string Schema { get; }

    /// <summary>The value of @ids for <see cref="IdsMatch"/>.</summary>
    public object Ids(IReadOnlyList<string> ids) => _ids(ids);
}
