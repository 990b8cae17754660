using System.Numerics;
using Dapper;
using Npgsql;

namespace Verity.Market.OrderStream.Storage;

/// <summary>
/// Orders in PostgreSQL (the node's cluster database: the stream's own tables beside the node's). An insert takes a
/// transaction-scoped advisory lock first, so seqs commit in the order they are drawn: a reader that saw seq n never
/// later finds a smaller one committed (an identity column alone would allow that between concurrent inserts).
/// </summary>
public sealed class PostgresOrderStore : IOrderStore
{
    /// <summary>The advisory lock key of order inserts and migrations ("verity order stream").</summary>
    private const long LockKey = 0x7665_7269_7479_6f73;

    private readonly NpgsqlDataSource _dataSource;

    public PostgresOrderStore(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ArgumentException("the PostgreSQL connection string is empty", nameof(connectionString));
        NpgsqlConnectionStringBuilder builder;
        try { builder = new NpgsqlConnectionStringBuilder(connectionString); }
        catch (ArgumentException e) { throw new ArgumentException($"invalid PostgreSQL connection string: {e.Message}", nameof(connectionString), e); }
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        Name = $"PostgreSQL order store ({builder.Host}:{builder.Port}/{builder.Database ?? builder.Username})";
    }

    public string Name { get; }

    public override string ToString() => Name;

    public Task MigrateAsync(CancellationToken ct = default) =>
        InTransactionAsync("migrate the order stream's tables", async (c, tx) =>
        {
            await c.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@Key)", new { Key = LockKey }, tx, cancellationToken: ct)).ConfigureAwait(false);
            await OrderSchema.MigrateAsync(c, tx, OrderSchema.Postgres, Name, ct).ConfigureAwait(false);
            return 0;
        }, ct);

    public Task<StoredOrder?> AddAsync(NewOrder order, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        var args = OrderSchema.InsertArgs(order);
        return InTransactionAsync("add an order", async (c, tx) =>
        {
            await c.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@Key)", new { Key = LockKey }, tx, cancellationToken: ct)).ConfigureAwait(false);
            long? seq = await c.ExecuteScalarAsync<long?>(new CommandDefinition(OrderSchema.Insert, args, tx, cancellationToken: ct)).ConfigureAwait(false);
            return seq is long s
                ? new StoredOrder(s, order.RequestId, order.Digest, order.Requestor, order.Deadline, order.CreatedMs, order.Body, order.Signature)
                : null;
        }, ct);
    }

    public Task<IReadOnlyList<StoredOrder>> ListAsync(long after, int limit, CancellationToken ct = default)
    {
        OrderSchema.CheckListArgs(after, limit);
        return QueryAsync("list orders", OrderSchema.SelectAfter, new { After = after, Limit = limit }, ct);
    }

    public Task<IReadOnlyList<StoredOrder>> ByRequestIdAsync(BigInteger requestId, int limit, CancellationToken ct = default)
    {
        OrderSchema.CheckListArgs(0, limit);
        return QueryAsync("read orders by request id", OrderSchema.SelectById, new { RequestId = OrderRow.FormatId(requestId), Limit = limit }, ct);
    }

    public async Task<long> LastSeqAsync(CancellationToken ct = default)
    {
        try
        {
            await using var c = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            return await c.ExecuteScalarAsync<long>(new CommandDefinition(OrderSchema.LastSeq, cancellationToken: ct)).ConfigureAwait(false);
        }
        catch (Exception e) when (OrderStoreException.IsDatabaseFailure(e))
        {
            throw new OrderStoreException(Name, "read the last seq", e);
        }
    }

    private async Task<IReadOnlyList<StoredOrder>> QueryAsync(string operation, string sql, object args, CancellationToken ct)
    {
        try
        {
            await using var c = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            var rows = await c.QueryAsync<OrderRow>(new CommandDefinition(sql, args, cancellationToken: ct)).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToOrder())];
        }
        catch (Exception e) when (OrderStoreException.IsDatabaseFailure(e))
        {
            throw new OrderStoreException(Name, operation, e);
        }
    }

    private async Task<T> InTransactionAsync<T>(string operation, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken ct)
    {
        try
        {
            await using var c = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
            var result = await work(c, tx).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return result;
        }
        catch (Exception e) when (OrderStoreException.IsDatabaseFailure(e))
        {
            throw new OrderStoreException(Name, operation, e);
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
