using System.Data.Common;
using Dapper;

namespace Verity.Market.OrderStream.Storage;

/// <summary>
/// The order stream's tables and their versioned migrations. They live beside the node's own tables in the same
/// database (node.db, or the node's PostgreSQL database), so the bookkeeping table is the stream's own
/// (<c>order_stream_migrations</c>), never the node's <c>schema_migrations</c>.
/// </summary>
internal static class OrderSchema
{
    public const string Table = "order_stream_orders";

    private const string CreateMigrationsTable =
        "CREATE TABLE IF NOT EXISTS order_stream_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

    public static readonly string[] Sqlite =
    [
        $"""
        CREATE TABLE {Table} (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: a seq is never reused, even after the newest row is deleted
            request_id TEXT NOT NULL,
            request_digest BLOB NOT NULL UNIQUE,
            requestor TEXT NOT NULL,
            deadline INTEGER NOT NULL,
            created_ms INTEGER NOT NULL,
            body TEXT NOT NULL,
            signature BLOB NOT NULL);
        CREATE INDEX {Table}_request_id ON {Table} (request_id, seq);
        """,
    ];

    public static readonly string[] Postgres =
    [
        $"""
        CREATE TABLE {Table} (
            seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            request_id TEXT NOT NULL,
            request_digest BYTEA NOT NULL UNIQUE,
            requestor TEXT NOT NULL,
            deadline BIGINT NOT NULL,
            created_ms BIGINT NOT NULL,
            body TEXT NOT NULL,
            signature BYTEA NOT NULL);
        CREATE INDEX {Table}_request_id ON {Table} (request_id, seq);
        """,
    ];

    /// <summary>Runs the migrations newer than the recorded version inside <paramref name="tx"/> (the caller holds the
    /// database's write lock, so two processes never migrate at once).</summary>
    /// <exception cref="InvalidOperationException">The database holds a newer schema than this build knows.</exception>
    public static async Task MigrateAsync(DbConnection c, DbTransaction tx, string[] migrations, string store, CancellationToken ct)
    {
        await c.ExecuteAsync(new CommandDefinition(CreateMigrationsTable, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
        int current = await c.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT MAX(version) FROM order_stream_migrations", transaction: tx, cancellationToken: ct)).ConfigureAwait(false) ?? 0;
        if (current > migrations.Length)
            throw new InvalidOperationException(
                $"{store}: the order stream's tables have schema version {current}, newer than this build supports ({migrations.Length}); upgrade verity");
        for (int v = current + 1; v <= migrations.Length; v++)
        {
            await c.ExecuteAsync(new CommandDefinition(migrations[v - 1], transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO order_stream_migrations (version, name, applied_at) VALUES (@V, @Name, @At)",
                new { V = v, Name = $"order stream v{v}", At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
        }
    }

    public const string SelectAfter =
        $"SELECT {OrderRow.Columns} FROM {Table} WHERE seq > @After ORDER BY seq LIMIT @Limit";

    public const string SelectById =
        $"SELECT {OrderRow.Columns} FROM {Table} WHERE request_id = @RequestId ORDER BY seq LIMIT @Limit";

    public const string LastSeq = $"SELECT COALESCE(MAX(seq), 0) FROM {Table}";

    /// <summary>Inserts unless the digest is there; returns the new seq, or no row for a duplicate.</summary>
    public const string Insert = $"""
        INSERT INTO {Table} (request_id, request_digest, requestor, deadline, created_ms, body, signature)
        VALUES (@RequestId, @Digest, @Requestor, @Deadline, @CreatedMs, @Body, @Signature)
        ON CONFLICT (request_digest) DO NOTHING
        RETURNING seq
        """;

    public static object InsertArgs(NewOrder o) => new
    {
        RequestId = OrderRow.FormatId(o.RequestId),
        o.Digest,
        o.Requestor,
        o.Deadline,
        o.CreatedMs,
        o.Body,
        o.Signature,
    };

    public static void CheckListArgs(long after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
    }
}
