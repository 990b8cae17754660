using System.Data.Common;
using Dapper;
using Verity.Cluster.Store;

namespace Verity.Broker.Store;

/// <summary>
/// The broker's tables and their versioned migrations. They live in the node's own database beside the node's and the
/// order stream's tables, so the bookkeeping table is the broker's own (<c>broker_migrations</c>). A migration's SQL
/// never changes once released: a change is a new version.
/// </summary>
internal static class BrokerSchema
{
    public const string Orders = "broker_orders";
    public const string Events = "broker_order_events";
    public const string Batches = "broker_batches";
    public const string BatchOrders = "broker_batch_orders";
    public const string Cursors = "broker_cursors";

    private const string CreateMigrationsTable =
        "CREATE TABLE IF NOT EXISTS broker_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

    public static readonly IReadOnlyList<Migration> Sqlite =
    [
        new(1, "broker orders, events, batches, cursors", $"""
            CREATE TABLE {Orders} (
                id TEXT PRIMARY KEY,
                request_id TEXT NOT NULL,
                requestor TEXT NOT NULL,
                request_json TEXT NOT NULL,
                request_digest BLOB NOT NULL,
                source TEXT NOT NULL,
                type TEXT NOT NULL,
                state TEXT NOT NULL,
                observed_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                expiry INTEGER NOT NULL,
                reason TEXT, reason_detail TEXT,
                image_id TEXT, cycles INTEGER, journal_hex TEXT, preflight_job_id TEXT,
                minimum_price TEXT, target_time INTEGER, priority INTEGER NOT NULL,
                lock_transaction TEXT, lock_price TEXT, lock_collateral TEXT, lock_block INTEGER,
                proving_job_id TEXT, proving_attempts INTEGER NOT NULL, proving_started_at INTEGER, proved_at INTEGER,
                batch_id INTEGER, fulfill_transaction TEXT, fulfilled_at INTEGER,
                gas_spent_wei TEXT NOT NULL, earned_wei TEXT NOT NULL, bounty_earned TEXT NOT NULL, slashed INTEGER NOT NULL);
            CREATE INDEX {Orders}_state ON {Orders} (state, updated_at);
            CREATE INDEX {Orders}_request ON {Orders} (request_id);
            CREATE INDEX {Orders}_observed ON {Orders} (observed_at);
            CREATE TABLE {Events} (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                order_id TEXT NOT NULL,
                at INTEGER NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL);
            CREATE INDEX {Events}_order ON {Events} (order_id, seq);
            CREATE TABLE {Batches} (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                state TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                tx_hash TEXT,
                error TEXT);
            CREATE TABLE {BatchOrders} (
                batch_id INTEGER NOT NULL,
                position INTEGER NOT NULL,
                order_id TEXT NOT NULL,
                PRIMARY KEY (batch_id, position));
            CREATE TABLE {Cursors} (
                name TEXT PRIMARY KEY,
                position TEXT NOT NULL,
                updated_at INTEGER NOT NULL);
            """),
    ];

    public static readonly IReadOnlyList<Migration> Postgres =
    [
        new(1, "broker orders, events, batches, cursors", $"""
            CREATE TABLE {Orders} (
                id TEXT PRIMARY KEY,
                request_id TEXT NOT NULL,
                requestor TEXT NOT NULL,
                request_json TEXT NOT NULL,
                request_digest BYTEA NOT NULL,
                source TEXT NOT NULL,
                type TEXT NOT NULL,
                state TEXT NOT NULL,
                observed_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                expiry BIGINT NOT NULL,
                reason TEXT, reason_detail TEXT,
                image_id TEXT, cycles BIGINT, journal_hex TEXT, preflight_job_id TEXT,
                minimum_price NUMERIC(78,0), target_time BIGINT, priority BOOLEAN NOT NULL,
                lock_transaction TEXT, lock_price NUMERIC(78,0), lock_collateral NUMERIC(78,0), lock_block BIGINT,
                proving_job_id TEXT, proving_attempts INTEGER NOT NULL, proving_started_at BIGINT, proved_at BIGINT,
                batch_id BIGINT, fulfill_transaction TEXT, fulfilled_at BIGINT,
                gas_spent_wei NUMERIC(78,0) NOT NULL, earned_wei NUMERIC(78,0) NOT NULL, bounty_earned NUMERIC(78,0) NOT NULL,
                slashed BOOLEAN NOT NULL);
            CREATE INDEX {Orders}_state ON {Orders} (state, updated_at);
            CREATE INDEX {Orders}_request ON {Orders} (request_id);
            CREATE INDEX {Orders}_observed ON {Orders} (observed_at);
            CREATE TABLE {Events} (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                order_id TEXT NOT NULL,
                at BIGINT NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL);
            CREATE INDEX {Events}_order ON {Events} (order_id, seq);
            CREATE TABLE {Batches} (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                state TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                attempts INTEGER NOT NULL,
                tx_hash TEXT,
                error TEXT);
            CREATE TABLE {BatchOrders} (
                batch_id BIGINT NOT NULL,
                position INTEGER NOT NULL,
                order_id TEXT NOT NULL,
                PRIMARY KEY (batch_id, position));
            CREATE TABLE {Cursors} (
                name TEXT PRIMARY KEY,
                position TEXT NOT NULL,
                updated_at BIGINT NOT NULL);
            """),
    ];

    /// <summary>Runs the migrations newer than the recorded version inside <paramref name="tx"/>; the caller holds the
    /// database's write lock (SQLite: an immediate transaction; PostgreSQL: an advisory lock), so two processes never
    /// migrate at once. Returns how many ran.</summary>
    /// <exception cref="InvalidOperationException">The database holds a newer broker schema than this build knows.</exception>
    public static async Task<int> MigrateAsync(DbConnection c, DbTransaction tx, IReadOnlyList<Migration> migrations, string store, CancellationToken ct)
    {
        for (int i = 0; i < migrations.Count; i++)
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException($"{store}: broker migration #{i} has version {migrations[i].Version}, expected {i + 1}");
        await c.ExecuteAsync(new CommandDefinition(CreateMigrationsTable, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
        int current = await c.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT MAX(version) FROM broker_migrations", transaction: tx, cancellationToken: ct)).ConfigureAwait(false) ?? 0;
        if (current > migrations.Count)
            throw new InvalidOperationException(
                $"{store}: the broker's tables have schema version {current}, newer than this build supports ({migrations.Count}); upgrade verity");
        int applied = 0;
        foreach (var m in migrations.Skip(current))
        {
            await c.ExecuteAsync(new CommandDefinition(m.Sql, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO broker_migrations (version, name, applied_at) VALUES (@Version, @Name, @At)",
                new { m.Version, m.Name, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
            applied++;
        }
        return applied;
    }
}
