using System.Numerics;
using Dapper;
using Microsoft.Data.Sqlite;
using Verity.Storage.Sqlite;

namespace Verity.Market.OrderStream.Storage;

/// <summary>
/// Orders in a SQLite file, by default the node's own <c>node.db</c> (its own tables beside the node's). WAL mode, as
/// the node's task store runs it. Writes go one at a time through one connection as BEGIN IMMEDIATE transactions, so
/// seqs commit in order and another process on the same file queues on the lock (busy_timeout) rather than failing.
/// Reads use pooled connections and run beside the writer.
/// </summary>
public sealed class SqliteOrderStore : IOrderStore
{
    private readonly SqliteDatabase _db;

    /// <param name="path">The database file (created when missing).</param>
    /// <param name="busyTimeout">How long a write waits for another process's lock on the file (default 10 s).</param>
    public SqliteOrderStore(string path, TimeSpan? busyTimeout = null)
    {
        _db = new SqliteDatabase(path, busyTimeout, nameof(SqliteOrderStore));
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

    private Task<T> WriteAsync<T>(string operation, Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken ct) =>
        _db.WriteAsync((c, tx) => Task.FromResult(work(c, tx)), e => Failure(operation, e), ct);

    private Task<T> ReadAsync<T>(string operation, Func<SqliteConnection, T> work, CancellationToken ct) =>
        _db.ReadAsync(c => Task.FromResult(work(c)), e => Failure(operation, e), ct);

    private Exception? Failure(string operation, Exception e) =>
        OrderStoreException.IsDatabaseFailure(e) ? new OrderStoreException(Name, operation, e) : null;

    public ValueTask DisposeAsync() => _db.DisposeAsync();
}
