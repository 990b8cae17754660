using System.Data.Common;
using Dapper;
using Npgsql;

namespace Verity.Broker.Store;

/// <summary>
/// The broker's tables in PostgreSQL (the node's cluster database, beside its tables). Each operation is one
/// read-committed transaction on a pooled connection: a compare-and-set is one conditional UPDATE (a concurrent one
/// waits for the row and then finds the state changed), a batch locks its orders' rows first (<c>FOR UPDATE</c>).
/// </summary>
public sealed class PostgresBrokerStore : SqlBrokerStore
{
    /// <summary>The advisory lock key that serialises broker migrations ("verity broker").</summary>
    private const long MigrationLockKey = 0x7665_7269_7479_6272;

    private readonly NpgsqlDataSource _dataSource;

    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="clock">Stamps <see cref="Orders.Order.UpdatedAt"/> (default: the system clock).</param>
    public PostgresBrokerStore(string connectionString, TimeProvider? clock = null)
        : this(Parse(connectionString), clock)
    {
    }

    private PostgresBrokerStore(NpgsqlConnectionStringBuilder builder, TimeProvider? clock)
        : base(SqlDialect.Pg, BrokerSchema.Postgres, $"PostgreSQL broker store ({builder.Host}:{builder.Port}/{builder.Database ?? builder.Username})", clock)
    {
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    private static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ArgumentException("the PostgreSQL connection string is empty", nameof(connectionString));
        try { return new NpgsqlConnectionStringBuilder(connectionString); }
        catch (ArgumentException e) { throw new ArgumentException($"invalid PostgreSQL connection string: {e.Message}", nameof(connectionString), e); }
    }

    private protected override async Task<T> WriteAsync<T>(string operation, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        try
        {
            await using var c = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            var result = await work(c, tx).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return result;
        }
        catch (Exception e) when (BrokerStoreException.IsDatabaseFailure(e))
        {
            throw new BrokerStoreException(Name, operation, e);
        }
    }

    private protected override async Task<T> ReadAsync<T>(string operation, Func<DbConnection, Task<T>> work, CancellationToken ct)
    {
        try
        {
            await using var c = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            return await work(c).ConfigureAwait(false);
        }
        catch (Exception e) when (BrokerStoreException.IsDatabaseFailure(e))
        {
            throw new BrokerStoreException(Name, operation, e);
        }
    }

    private protected override Task LockForMigrationAsync(DbConnection c, DbTransaction tx, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@Key)", new { Key = MigrationLockKey }, tx, cancellationToken: ct));

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
