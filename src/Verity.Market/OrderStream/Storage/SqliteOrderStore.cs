using System.Numerics;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Verity.Market.OrderStream.Storage;

/// <summary>
/// Orders in a SQLite file, by default the node's own <c>node.db</c> (its own tables beside the node's). WAL mode, as
/// the node's task store runs it. Writes go one at a time through one connection as BEGIN IMMEDIATE transactions, so
/// seqs commit in order and another process on the same file queues on the lock (busy_timeout) rather than failing.
/// Reads use pooled connections and run beside the writer.
/// </summary>
public sealed class SqliteOrderStore : IOrderStore
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private SqliteConnection? _writer;
    private volatile bool _disposed;

    /// <param name="path">The database file (created when missing).</param>
    /// <param name="busyTimeout">How long a write waits for another process's lock on the file (default 10 s).</param>
    public SqliteOrderStore(string path, TimeSpan? busyTimeout = null)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("the SQLite database path is empty", nameof(path));
        var busy = busyTimeout ?? TimeSpan.FromSeconds(10);
        if (busy <= TimeSpan.Zero || busy > TimeSpan.FromHours(1))
            throw new ArgumentOutOfRangeException(nameof(busyTimeout), busy, "the SQLite busy timeout must be positive and at most an hour");
        _busyTimeoutMs = (int)Math.Ceiling(busy.TotalMilliseconds);
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = Math.Max(1, _busyTimeoutMs / 1000) };
        _connectionString = builder.ToString();
        Name = $"SQLite order store ({path})";
    }

    public string Name { get; }

    public override string ToString() => Name;

    public Task MigrateAsync(CancellationToken ct = default) =>
        WriteAsync("migrate the order stream's tables", (c, tx) =>
        {
            OrderSchema.MigrateAsync(c, tx, OrderSchema.Sqlite, Name, ct).GetAwaiter().GetResult();
            return 0;
        }, ct);

    public Task<StoredOrder?> AddAsync(NewOrder order, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        var args = OrderSchema.InsertArgs(order);
        return WriteAsync("add an order", (c, tx) =>
        {
            long? seq = c.ExecuteScalar<long?>(OrderSchema.Insert, args, tx);
            return seq is long s
                ? new StoredOrder(s, order.RequestId, order.Digest, order.Requestor, order.Deadline, order.CreatedMs, order.Body, order.Signature)
                : null;
        }, ct);
    }

    public Task<IReadOnlyList<StoredOrder>> ListAsync(long after, int limit, CancellationToken ct = default)
    {
        OrderSchema.CheckListArgs(after, limit);
        return ReadAsync("list orders", c => Rows(c, OrderSchema.SelectAfter, new { After = after, Limit = limit }), ct);
    }

    public Task<IReadOnlyList<StoredOrder>> ByRequestIdAsync(BigInteger requestId, int limit, CancellationToken ct = default)
    {
        OrderSchema.CheckListArgs(0, limit);
        var id = OrderRow.FormatId(requestId);
        return ReadAsync("read orders by request id", c => Rows(c, OrderSchema.SelectById, new { RequestId = id, Limit = limit }), ct);
    }

    public Task<long> LastSeqAsync(CancellationToken ct = default) =>
        ReadAsync("read the last seq", c => c.ExecuteScalar<long>(OrderSchema.LastSeq), ct);

    private static IReadOnlyList<StoredOrder> Rows(SqliteConnection c, string sql, object args) =>
        [.. c.Query<OrderRow>(sql, args).Select(r => r.ToOrder())];

    private async Task<T> WriteAsync<T>(string operation, Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var c = _writer ??= Open(writer: true);
            using var tx = c.BeginTransaction(deferred: false);
            var result = work(c, tx);
            tx.Commit();
            return result;
        }
        catch (Exception e) when (OrderStoreException.IsDatabaseFailure(e))
        {
            // A broken connection is reopened by the next write.
            _writer?.Dispose();
            _writer = null;
            throw new OrderStoreException(Name, operation, e);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task<T> ReadAsync<T>(string operation, Func<SqliteConnection, T> work, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            await Task.Yield(); // the reads are synchronous: keep them off the caller's stack
            ct.ThrowIfCancellationRequested();
            using var c = Open(writer: false);
            return work(c);
        }
        catch (Exception e) when (OrderStoreException.IsDatabaseFailure(e))
        {
            throw new OrderStoreException(Name, operation, e);
        }
    }

    private SqliteConnection Open(bool writer) => SqliteConnections.Open(_connectionString, _busyTimeoutMs, writer);

    public async ValueTask DisposeAsync()
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
