using System.Data.Common;
using Dapper;

namespace Verity.Cluster.Store;

/// <summary>
/// Applies versioned schema migrations (the part both stores share). The caller opens the transaction and, where the
/// database needs it, takes the lock that keeps two processes from migrating at once; this runner creates
/// <c>schema_migrations(version, name, applied_at)</c> if absent, then runs every migration newer than the recorded
/// version, in order, recording each.
/// </summary>
internal static class MigrationRunner
{
    /// <summary>The bookkeeping table; the same SQL works on SQLite and PostgreSQL.</summary>
    public const string CreateTableSql =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

    public const string CurrentVersionSql = "SELECT MAX(version) FROM schema_migrations";

    /// <summary>Checks that the list starts at version 1 and counts up by one (a gap would skip a change).</summary>
    /// <exception cref="InvalidOperationException">The list is empty or out of order.</exception>
    public static void Validate(IReadOnlyList<Migration> migrations, string store)
    {
        if (migrations.Count == 0) throw new InvalidOperationException($"{store}: no schema migrations are defined");
        for (int i = 0; i < migrations.Count; i++)
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException(
                    $"{store}: schema migration #{i} has version {migrations[i].Version}, expected {i + 1} (versions must count up from 1)");
    }

    /// <summary>Brings the schema to the newest version inside <paramref name="tx"/>; returns how many migrations ran.</summary>
    /// <exception cref="InvalidOperationException">The database holds a newer schema than this build knows.</exception>
    public static async Task<int> ApplyAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<Migration> migrations,
        string store, CancellationToken ct)
    {
        Validate(migrations, store);
        await connection.ExecuteAsync(new CommandDefinition(CreateTableSql, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
        int current = await connection.ExecuteScalarAsync<int?>(
            new CommandDefinition(CurrentVersionSql, transaction: tx, cancellationToken: ct)).ConfigureAwait(false) ?? 0;
        int newest = migrations[^1].Version;
        if (current > newest)
            throw new InvalidOperationException(
                $"{store}: the database has schema version {current}, newer than this build supports ({newest}); upgrade the node");
        int applied = 0;
        foreach (var m in migrations)
        {
            if (m.Version <= current) continue;
            await connection.ExecuteAsync(new CommandDefinition(m.Sql, transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @AppliedAt)",
                new { m.Version, m.Name, AppliedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
            applied++;
        }
        return applied;
    }
}
