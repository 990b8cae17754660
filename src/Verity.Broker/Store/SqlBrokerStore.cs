using System.Data.Common;
using System.Numerics;
using System.Text.Json;
using Dapper;
using Verity.Broker.Orders;
using Verity.Chain.Events;
using Verity.Cluster.Store;

namespace Verity.Broker.Store;

/// <summary>
/// The broker store's logic, shared by <see cref="SqliteBrokerStore"/> and <see cref="PostgresBrokerStore"/>: the
/// subclasses supply connections and transactions (and their locking), <see cref="SqlDialect"/> the few SQL differences.
/// Every method is one transaction. Wall-clock times are kept to the millisecond.
/// </summary>
public abstract class SqlBrokerStore : IBrokerStore
{
    private static readonly JsonSerializerOptions CursorJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly SqlDialect _d;
    private readonly IReadOnlyList<Migration> _migrations;
    private readonly TimeProvider _clock;
    private readonly string _selectOrders;
    private readonly string _insertOrder;
    private readonly string _updateOrder;

    private protected SqlBrokerStore(SqlDialect dialect, IReadOnlyList<Migration> migrations, string name, TimeProvider? clock)
    {
        _d = dialect;
        _migrations = migrations;
        _clock = clock ?? TimeProvider.System;
        Name = name;
        _selectOrders = $"SELECT {OrderColumns.Select(dialect)} FROM {BrokerSchema.Orders}";
        _insertOrder = OrderColumns.Insert(dialect);
        _updateOrder = OrderColumns.CompareAndSet(dialect);
    }

    /// <summary>The store and its database, for messages.</summary>
    public string Name { get; }

    public override string ToString() => Name;

    /// <summary>Runs <paramref name="work"/> in a write transaction and commits it; a database failure becomes a
    /// <see cref="BrokerStoreException"/>; any other exception rolls the transaction back and propagates.</summary>
    private protected abstract Task<T> WriteAsync<T>(string operation, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct);

    /// <summary>Runs <paramref name="work"/> on a connection of its own (reads see committed data only).</summary>
    private protected abstract Task<T> ReadAsync<T>(string operation, Func<DbConnection, Task<T>> work, CancellationToken ct);

    /// <summary>Keeps other processes from migrating at the same time, for the rest of <paramref name="tx"/>.</summary>
    private protected abstract Task LockForMigrationAsync(DbConnection c, DbTransaction tx, CancellationToken ct);

    public abstract ValueTask DisposeAsync();

    public Task MigrateAsync(CancellationToken ct = default) =>
        WriteAsync("migrate the broker's tables", async (c, tx) =>
        {
            await LockForMigrationAsync(c, tx, ct).ConfigureAwait(false);
            return await BrokerSchema.MigrateAsync(c, tx, _migrations, Name, ct).ConfigureAwait(false);
        }, ct);

    public Task<bool> InsertOrderAsync(Order order, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        var p = OrderColumns.Parameters(order, order.UpdatedAt == default ? _clock.GetUtcNow() : order.UpdatedAt);
        return WriteAsync($"insert order {order.Id}", async (c, tx) =>
            await c.ExecuteAsync(new CommandDefinition(_insertOrder, p, tx, cancellationToken: ct)).ConfigureAwait(false) == 1, ct);
    }

    public async Task<Order?> GetOrderAsync(string id, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var found = await ReadAsync($"read order {id}", c => OrdersAsync(c, null, $"{_selectOrders} WHERE id = @Id", new { Id = id }, ct), ct)
            .ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<bool> UpdateOrderAsync(Order order, OrderState expected, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        var p = OrderColumns.Parameters(order, _clock.GetUtcNow());
        p.Add("expected_state", expected.Name());
        return WriteAsync($"update order {order.Id}", async (c, tx) =>
            await c.ExecuteAsync(new CommandDefinition(_updateOrder, p, tx, cancellationToken: ct)).ConfigureAwait(false) == 1, ct);
    }

    public Task<IReadOnlyList<Order>> ListOrdersAsync(IReadOnlyCollection<OrderState> states, int limit = 1000, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        string where = states.Count == 0 ? "" : $" WHERE {_d.In("state", "States")}";
        return ReadAsync("list orders", c => OrdersAsync(c, null,
            $"{_selectOrders}{where} ORDER BY observed_at DESC, id DESC LIMIT @Limit",
            new { States = states.Select(s => s.Name()).Distinct().ToArray(), Limit = limit }, ct), ct);
    }

    public Task<IReadOnlyList<Order>> OrdersOfRequestAsync(BigInteger requestId, CancellationToken ct = default) =>
        ReadAsync("list the orders of a request", c => OrdersAsync(c, null,
            $"{_selectOrders} WHERE request_id = @RequestId ORDER BY observed_at, id", new { RequestId = RequestIds.Hex(requestId) }, ct), ct);

    public Task AddEventAsync(string orderId, OrderEvent e, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(e.Kind);
        ArgumentNullException.ThrowIfNull(e.Detail);
        return WriteAsync($"add an event to order {orderId}", async (c, tx) =>
        {
            int added = await c.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO {BrokerSchema.Events} (order_id, at, kind, detail) SELECT @OrderId, @At, @Kind, @Detail " +
                $"WHERE EXISTS (SELECT 1 FROM {BrokerSchema.Orders} WHERE id = @OrderId)",
                new { OrderId = orderId, At = e.At.ToUnixTimeMilliseconds(), e.Kind, e.Detail }, tx, cancellationToken: ct)).ConfigureAwait(false);
            return added == 1 ? 0 : throw new KeyNotFoundException($"{Name}: no order {orderId} to add an event to");
        }, ct);
    }

    public Task<IReadOnlyList<OrderEvent>> EventsAsync(string orderId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        return ReadAsync<IReadOnlyList<OrderEvent>>($"read the events of order {orderId}", async c =>
        {
            var rows = await c.QueryAsync<(long At, string Kind, string Detail)>(new CommandDefinition(
                $"SELECT at, kind, detail FROM {BrokerSchema.Events} WHERE order_id = @OrderId ORDER BY seq",
                new { OrderId = orderId }, cancellationToken: ct)).ConfigureAwait(false);
            return [.. rows.Select(r => new OrderEvent(DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Kind, r.Detail))];
        }, ct);
    }

    public Task<IReadOnlyDictionary<OrderState, int>> CountsAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyDictionary<OrderState, int>>("count orders", async c =>
        {
            var rows = await c.QueryAsync<(string State, long Count)>(new CommandDefinition(
                $"SELECT state, COUNT(*) FROM {BrokerSchema.Orders} GROUP BY state", cancellationToken: ct)).ConfigureAwait(false);
            var counts = Enum.GetValues<OrderState>().ToDictionary(s => s, _ => 0);
            foreach (var (state, count) in rows) counts[OrderStates.Parse(state)] = checked((int)count);
            return counts;
        }, ct);

    public Task<Earnings> EarningsAsync(CancellationToken ct = default) =>
        ReadAsync("sum the earnings", async c =>
        {
            if (_d.Postgres)
            {
                // NUMERIC sums exactly in the database.
                var (earned, gas, bounty) = await c.QuerySingleAsync<(string, string, string)>(new CommandDefinition(
                    $"SELECT CAST(COALESCE(SUM(earned_wei), 0) AS TEXT), CAST(COALESCE(SUM(gas_spent_wei), 0) AS TEXT), " +
                    $"CAST(COALESCE(SUM(bounty_earned), 0) AS TEXT) FROM {BrokerSchema.Orders}", cancellationToken: ct)).ConfigureAwait(false);
                return new Earnings(OrderColumns.ParseBig(earned), OrderColumns.ParseBig(gas), OrderColumns.ParseBig(bounty));
            }
            // SQLite would sum decimal text as floating point: add the non-zero amounts here, exactly.
            var rows = await c.QueryAsync<(string, string, string)>(new CommandDefinition(
                $"SELECT earned_wei, gas_spent_wei, bounty_earned FROM {BrokerSchema.Orders} " +
                "WHERE earned_wei <> '0' OR gas_spent_wei <> '0' OR bounty_earned <> '0'", cancellationToken: ct)).ConfigureAwait(false);
            BigInteger e = 0, g = 0, b = 0;
            foreach (var (earned, gas, bounty) in rows)
            {
                e += OrderColumns.ParseBig(earned);
                g += OrderColumns.ParseBig(gas);
                b += OrderColumns.ParseBig(bounty);
            }
            return new Earnings(e, g, b);
        }, ct);

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken ct = default)
    {
        var args = new { Ended = new[] { OrderState.Skipped.Name(), OrderState.Lost.Name() }, Before = before.ToUnixTimeMilliseconds() };
        string old = $"{_d.In("state", "Ended")} AND updated_at < @Before";
        return WriteAsync("prune skipped and lost orders", async (c, tx) =>
        {
            await c.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM {BrokerSchema.Events} WHERE order_id IN (SELECT id FROM {BrokerSchema.Orders} WHERE {old})",
                args, tx, cancellationToken: ct)).ConfigureAwait(false);
            return await c.ExecuteAsync(new CommandDefinition($"DELETE FROM {BrokerSchema.Orders} WHERE {old}", args, tx, cancellationToken: ct))
                .ConfigureAwait(false);
        }, ct);
    }

    public Task<Batch> CreateBatchAsync(IReadOnlyList<string> orderIds, DateTimeOffset now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(orderIds);
        if (orderIds.Count == 0) throw new ArgumentException("a batch needs at least one order", nameof(orderIds));
        if (orderIds.Any(string.IsNullOrEmpty)) throw new ArgumentException("a batch's order ids must not be empty", nameof(orderIds));
        if (orderIds.Distinct(StringComparer.Ordinal).Count() != orderIds.Count)
            throw new ArgumentException($"a batch names order {orderIds.GroupBy(i => i).First(g => g.Count() > 1).Key} twice", nameof(orderIds));
        var ids = orderIds.ToArray();
        return WriteAsync("create a batch", async (c, tx) =>
        {
            var states = (await c.QueryAsync<(string Id, string State)>(new CommandDefinition(
                    $"SELECT id, state FROM {BrokerSchema.Orders} WHERE {_d.In("id", "Ids")}{_d.ForUpdate}", new { Ids = ids }, tx, cancellationToken: ct))
                .ConfigureAwait(false)).ToDictionary(r => r.Id, r => r.State, StringComparer.Ordinal);
            foreach (var id in ids)
            {
                if (!states.TryGetValue(id, out var state))
                    throw new InvalidOperationException($"{Name}: cannot batch order {id}: there is no such order; no batch was created");
                if (state != OrderState.Proved.Name())
                    throw new InvalidOperationException($"{Name}: cannot batch order {id}: it is {state}, not proved; no batch was created");
            }
            long batchId = await c.ExecuteScalarAsync<long>(new CommandDefinition(
                $"INSERT INTO {BrokerSchema.Batches} (state, created_at, attempts) VALUES (@State, @CreatedAt, 0) RETURNING id",
                new { State = BatchStateName(BatchState.Submitting), CreatedAt = now.ToUnixTimeMilliseconds() }, tx, cancellationToken: ct))
                .ConfigureAwait(false);
            await InsertBatchOrdersAsync(c, tx, batchId, ids, ct).ConfigureAwait(false);
            int moved = await c.ExecuteAsync(new CommandDefinition(
                $"UPDATE {BrokerSchema.Orders} SET state = @Submitting, batch_id = @BatchId, updated_at = @Now WHERE {_d.In("id", "Ids")} AND state = @Proved",
                new
                {
                    Submitting = OrderState.Submitting.Name(), Proved = OrderState.Proved.Name(), BatchId = batchId,
                    Now = _clock.GetUtcNow().ToUnixTimeMilliseconds(), Ids = ids,
                }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (moved != ids.Length) throw new InvalidOperationException($"{Name}: the batch's orders changed while it was created; no batch was created");
            return new Batch
            {
                Id = batchId, State = BatchState.Submitting, CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()),
                OrderIds = ids,
            };
        }, ct);
    }

    public async Task<Batch?> GetBatchAsync(long id, CancellationToken ct = default)
    {
        var found = await ReadAsync($"read batch {id}", c => BatchesAsync(c, " WHERE id = @Id", new { Id = id }, ct), ct).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task UpdateBatchAsync(Batch batch, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(batch.OrderIds);
        if (batch.OrderIds.Distinct(StringComparer.Ordinal).Count() != batch.OrderIds.Count)
            throw new ArgumentException($"batch {batch.Id} names an order twice", nameof(batch));
        return WriteAsync($"update batch {batch.Id}", async (c, tx) =>
        {
            int updated = await c.ExecuteAsync(new CommandDefinition(
                $"UPDATE {BrokerSchema.Batches} SET state = @State, attempts = @Attempts, tx_hash = @Transaction, error = @Error WHERE id = @Id",
                new { State = BatchStateName(batch.State), batch.Attempts, batch.Transaction, batch.Error, batch.Id }, tx, cancellationToken: ct))
                .ConfigureAwait(false);
            if (updated != 1) throw new KeyNotFoundException($"{Name}: no batch {batch.Id} to update");
            // Orders dropped from the batch (another prover fulfilled them) leave its list.
            await c.ExecuteAsync(new CommandDefinition($"DELETE FROM {BrokerSchema.BatchOrders} WHERE batch_id = @Id", new { batch.Id }, tx,
                cancellationToken: ct)).ConfigureAwait(false);
            await InsertBatchOrdersAsync(c, tx, batch.Id, batch.OrderIds, ct).ConfigureAwait(false);
            return 0;
        }, ct);
    }

    public Task<IReadOnlyList<Batch>> ListBatchesAsync(IReadOnlyCollection<BatchState> states, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(states);
        string where = states.Count == 0 ? "" : $" WHERE {_d.In("state", "States")}";
        return ReadAsync("list batches", c => BatchesAsync(c, where, new { States = states.Select(BatchStateName).Distinct().ToArray() }, ct), ct);
    }

    public ICursorStore Cursor(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new NamedCursor(this, name);
    }

    private static async Task<IReadOnlyList<Order>> OrdersAsync(DbConnection c, DbTransaction? tx, string sql, object args, CancellationToken ct)
    {
        var orders = new List<Order>();
        await using var reader = await c.ExecuteReaderAsync(new CommandDefinition(sql, args, tx, cancellationToken: ct)).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) orders.Add(OrderColumns.Read(reader));
        return orders;
    }

    private async Task<IReadOnlyList<Batch>> BatchesAsync(DbConnection c, string where, object args, CancellationToken ct)
    {
        var rows = (await c.QueryAsync<(long Id, string State, long CreatedAt, int Attempts, string? Transaction, string? Error)>(
            new CommandDefinition($"SELECT id, state, created_at, attempts, tx_hash, error FROM {BrokerSchema.Batches}{where} ORDER BY id", args,
                cancellationToken: ct)).ConfigureAwait(false)).ToList();
        if (rows.Count == 0) return [];
        var members = (await c.QueryAsync<(long BatchId, string OrderId)>(new CommandDefinition(
                $"SELECT batch_id, order_id FROM {BrokerSchema.BatchOrders} WHERE {_d.In("batch_id", "Ids")} ORDER BY batch_id, position",
                new { Ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: ct)).ConfigureAwait(false))
            .ToLookup(m => m.BatchId, m => m.OrderId);
        return [.. rows.Select(r => new Batch
        {
            Id = r.Id, State = ParseBatchState(r.State), CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
            OrderIds = [.. members[r.Id]], Attempts = r.Attempts, Transaction = r.Transaction, Error = r.Error,
        })];
    }

    private static Task InsertBatchOrdersAsync(DbConnection c, DbTransaction tx, long batchId, IReadOnlyList<string> ids, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO {BrokerSchema.BatchOrders} (batch_id, position, order_id) VALUES (@BatchId, @Position, @OrderId)",
            ids.Select((id, i) => new { BatchId = batchId, Position = i, OrderId = id }).ToArray(), tx, cancellationToken: ct));

    private static string BatchStateName(BatchState s) => s switch
    {
        BatchState.Open => "open",
        BatchState.Submitting => "submitting",
        BatchState.Submitted => "submitted",
        BatchState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, "not a batch state"),
    };

    private static BatchState ParseBatchState(string name) =>
        Enum.GetValues<BatchState>().FirstOrDefault(s => BatchStateName(s) == name) is var s && BatchStateName(s) == name
            ? s
            : throw new InvalidDataException($"'{name}' is not a batch state");

    private Task<CursorPosition?> LoadCursorAsync(string name, CancellationToken ct) =>
        ReadAsync($"read the event cursor '{name}'", async c =>
        {
            var json = await c.ExecuteScalarAsync<string?>(new CommandDefinition(
                $"SELECT position FROM {BrokerSchema.Cursors} WHERE name = @Name", new { Name = name }, cancellationToken: ct)).ConfigureAwait(false);
            if (json is null) return null;
            CursorPosition? position;
            try { position = JsonSerializer.Deserialize<CursorPosition>(json, CursorJson); }
            catch (JsonException e) { throw new InvalidDataException($"{Name}: the event cursor '{name}' is not a valid position: {e.Message}", e); }
            if (position?.Block?.Hash is null || position.Recent is null || position.Recent.Any(b => b?.Hash is null))
                throw new InvalidDataException($"{Name}: the event cursor '{name}' is not a valid position: a block or its hash is missing");
            return position;
        }, ct);

    private Task SaveCursorAsync(string name, CursorPosition position, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(position);
        var json = JsonSerializer.Serialize(position, CursorJson);
        return WriteAsync($"save the event cursor '{name}'", (c, tx) => c.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO {BrokerSchema.Cursors} (name, position, updated_at) VALUES (@Name, @Position, @At) " +
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
            new { Name = name, Position = json, At = _clock.GetUtcNow().ToUnixTimeMilliseconds() }, tx, cancellationToken: ct)), ct);
    }

    /// <summary>One named cursor position in <c>broker_cursors</c>.</summary>
    private sealed class NamedCursor(SqlBrokerStore store, string name) : ICursorStore
    {
        public Task<CursorPosition?> LoadAsync(CancellationToken ct = default) => store.LoadCursorAsync(name, ct);

        public Task SaveAsync(CursorPosition position, CancellationToken ct = default) => store.SaveCursorAsync(name, position, ct);
    }
}
