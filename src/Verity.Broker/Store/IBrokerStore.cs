using Verity.Broker.Orders;
using Verity.Chain.Events;

namespace Verity.Broker.Store;

/// <summary>
/// The broker's durable state (docs/BROKER.md §3): orders with their history, batches, market facts seen on chain and
/// the event cursor — in the node's database (SQLite or PostgreSQL; the same suite runs on both). Every method is one
/// transaction; a crash after one returns loses nothing it wrote.
/// </summary>
public interface IBrokerStore : IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema (idempotent; concurrent callers are safe).</summary>
    Task MigrateAsync(CancellationToken ct = default);

    /// <summary>Stores a new order; false (and nothing changed) when an order with its id exists — discovery is idempotent.</summary>
    Task<bool> InsertOrderAsync(Order order, CancellationToken ct = default);

    Task<Order?> GetOrderAsync(string id, CancellationToken ct = default);

    /// <summary>
    /// Stores <paramref name="order"/> only if the stored copy is still in <paramref name="expected"/> state; false when
    /// another writer moved it (the caller re-reads). Sets <see cref="Order.UpdatedAt"/>.
    /// </summary>
    Task<bool> UpdateOrderAsync(Order order, OrderState expected, CancellationToken ct = default);

    /// <summary>Orders in any of <paramref name="states"/> (all when empty), newest observed first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<Order>> ListOrdersAsync(IReadOnlyCollection<OrderState> states, int limit = 1000, CancellationToken ct = default);

    /// <summary>Every order of one request id (its variants: other bodies, other fulfilment types).</summary>
    Task<IReadOnlyList<Order>> OrdersOfRequestAsync(System.Numerics.BigInteger requestId, CancellationToken ct = default);

    Task AddEventAsync(string orderId, OrderEvent e, CancellationToken ct = default);
    Task<IReadOnlyList<OrderEvent>> EventsAsync(string orderId, CancellationToken ct = default);

    /// <summary>Orders per state (every state present, zero when none).</summary>
    Task<IReadOnlyDictionary<OrderState, int>> CountsAsync(CancellationToken ct = default);

    /// <summary>Sum of <see cref="Order.EarnedWei"/>, <see cref="Order.GasSpentWei"/> and <see cref="Order.BountyEarned"/> over all orders.</summary>
    Task<Earnings> EarningsAsync(CancellationToken ct = default);

    /// <summary>Deletes skipped and lost orders (and their events) last updated before <paramref name="before"/>.</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken ct = default);

    // Batches
    /// <summary>Creates a batch of the given proved orders and moves each to <see cref="OrderState.Submitting"/> with its batch id, atomically.</summary>
    Task<Batch> CreateBatchAsync(IReadOnlyList<string> orderIds, DateTimeOffset now, CancellationToken ct = default);
    Task<Batch?> GetBatchAsync(long id, CancellationToken ct = default);
    Task UpdateBatchAsync(Batch batch, CancellationToken ct = default);
    Task<IReadOnlyList<Batch>> ListBatchesAsync(IReadOnlyCollection<BatchState> states, CancellationToken ct = default);

    /// <summary>The market event cursor's position, kept in this database (named, so several cursors can share it).</summary>
    ICursorStore Cursor(string name);
}

/// <summary>Totals over all orders.</summary>
public sealed record Earnings(System.Numerics.BigInteger EarnedWei, System.Numerics.BigInteger GasSpentWei, System.Numerics.BigInteger BountyEarned);
