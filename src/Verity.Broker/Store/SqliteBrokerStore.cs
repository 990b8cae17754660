using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Verity.Market.OrderStream.Storage;

namespace Verity.Broker.Store;

/// <summary>
/// The broker's tables in a SQLite file: the node's <c>node.db</c> when embedded, <c>broker.db</c> when standalone. WAL
/// mode, as the node runs it. Writes go one at a time through one connection as BEGIN IMMEDIATE transactions, so a
/// compare-and-set never races another writer of this store, and another process on the same file queues on the lock
/// (busy_timeout) rather than failing. Reads use pooled connections and run beside the writer.
/// </summary>
public sealed class SqliteBrokerStore : SqlBrokerStore
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private SqliteConnection? _writer;
    private volatile bool _disposed;

    /// <param name="path">The database file (created when missing).</param>
    /// <param name="busyTimeout">How long a write waits for another process's lock on the file (default 10 s).</param>
    /// <param name="clock">Stamps <see cref="Orders.Order.UpdatedAt"/> (default: the system clock).</param>
    public SqliteBrokerStore(string path, TimeSpan? busyTimeout = null, TimeProvider? clock = null)
        : base(SqlDialect.Sqlite, BrokerSchema.Sqlite, $"SQLite broker store ({path})", clock)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("the SQLite database path is empty", nameof(path));
        var busy = busyTimeout ?? TimeSpan.FromSeconds(10);
        if (busy <= TimeSpan.Zero || busy > TimeSpan.FromHours(1))
            throw new ArgumentOutOfRangeException(nameof(busyTimeout), busy, "the SQLite busy timeout must be positive and at most an hour");
        _busyTimeoutMs = (int)Math.Ceiling(busy.TotalMilliseconds);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path, Pooling = true, DefaultTimeout = Math.Max(1, _busyTimeoutMs / 1000),
        }.ToString();
    }

    private protected override async Task<T> WriteAsync<T>(string operation, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var c = _writer ??= Open(writer: true);
            using var tx = c.BeginTransaction(deferred: false);
            var result = await work(c, tx).ConfigureAwait(false);
            tx.Commit();
            return result;
        }
        catch (Exception e) when (BrokerStoreException.IsDatabaseFailure(e))
        {
            // A broken connection is reopened by the next write.
            _writer?.Dispose();
            _writer = null;
            throw new BrokerStoreException(Name, operation, e);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private protected override async Task<T> ReadAsync<T>(string operation, Func<DbConnection, Task<T>> work, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            await Task.Yield(); // SQLite's calls are synchronous: keep them off the caller's stack
            ct.ThrowIfCancellationRequested();
            await using var c = Open(writer: false);
            return await work(c).ConfigureAwait(false);
        }
        catch (Exception e) when (BrokerStoreException.IsDatabaseFailure(e))
        {
            throw new BrokerStoreException(Name, operation, e);
        }
    }

    // The immediate transaction already holds the file's write lock.
    private protected override Task LockForMigrationAsync(DbConnection c, DbTransaction tx, CancellationToken ct) => Task.CompletedTask;

    private SqliteConnection Open(bool writer) => SqliteConnections.Open(_connectionString, _busyTimeoutMs, writer);

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            _writer?.Dispose();
            _writer = null;
            // Close idle pooled connections too, so the file is free for a restart or for deletion.
            using var probe = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(probe);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
