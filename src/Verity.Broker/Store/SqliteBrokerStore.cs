using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Verity.Storage.Sqlite;

namespace Verity.Broker.Store;

/// <summary>
/// The broker's tables in a SQLite file: the node's <c>node.db</c> when embedded, <c>broker.db</c> when standalone. WAL
/// mode, as the node runs it. Writes go one at a time through one connection as BEGIN IMMEDIATE transactions, so a
/// compare-and-set never races another writer of this store, and another process on the same file queues on the lock
/// (busy_timeout) rather than failing. Reads use pooled connections and run beside the writer.
/// </summary>
public sealed class SqliteBrokerStore : SqlBrokerStore
{
    private readonly SqliteDatabase _db;

    /// <param name="path">The database file (created when missing).</param>
    /// <param name="busyTimeout">How long a write waits for another process's lock on the file (default 10 s).</param>
    /// <param name="clock">Stamps <see cref="Orders.Order.UpdatedAt"/> (default: the system clock).</param>
    public SqliteBrokerStore(string path, TimeSpan? busyTimeout = null, TimeProvider? clock = null)
        : base(SqlDialect.Sqlite, BrokerSchema.Sqlite, $"SQLite broker store ({path})", clock)
    {
        _db = new SqliteDatabase(path, busyTimeout, nameof(SqliteBrokerStore));
    }

    private protected override Task<T> WriteAsync<T>(string operation, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct) =>
        _db.WriteAsync((c, tx) => work(c, tx), e => Failure(operation, e), ct);

    private protected override Task<T> ReadAsync<T>(string operation, Func<DbConnection, Task<T>> work, CancellationToken ct) =>
        _db.ReadAsync(c => work(c), e => Failure(operation, e), ct);

    private Exception? Failure(string operation, Exception e) =>
        BrokerStoreException.IsDatabaseFailure(e) ? new BrokerStoreException(Name, operation, e) : null;

    // The immediate transaction already holds the file's write lock.
    private protected override Task LockForMigrationAsync(DbConnection c, DbTransaction tx, CancellationToken ct) => Task.CompletedTask;

    public override ValueTask DisposeAsync() => _db.DisposeAsync();
}
