using System.Data;
using System.Data.Common;
using Npgsql;

namespace Verity.Aztec.Store;

/// <summary>
/// Aztec jobs in the node's PostgreSQL database, which several node replicas may share: each operation is one
/// READ COMMITTED transaction that locks the row it decides about, and picks skip rows another replica holds.
/// </summary>
public sealed class PostgresAztecJobStore : AztecJobStore
{
    private readonly NpgsqlDataSource _source;

    public PostgresAztecJobStore(string connectionString)
        : base($"PostgreSQL Aztec job store ({Describe(connectionString)})", AztecSqlDialect.Postgres)
    {
        _source = NpgsqlDataSource.Create(connectionString);
    }

    private protected override async Task<T> RunAsync<T>(string operation, Func<DbConnection, DbTransaction, T> work, bool write, CancellationToken ct)
    {
        try
        {
            await using var c = await _source.OpenConnectionAsync(ct).ConfigureAwait(false);
            await using var tx = await c.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct).ConfigureAwait(false);
            var result = work(c, tx);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return result;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException { InnerException: NpgsqlException })
        {
            throw new AztecStoreException(Name, operation, e);
        }
    }

    public override ValueTask DisposeAsync() => _source.DisposeAsync();

    /// <summary>Host and database, never the password.</summary>
    private static string Describe(string connectionString)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{b.Host}:{b.Port}/{b.Database}";
        }
        catch (ArgumentException) { return "unparsable connection string"; }
    }
}
