using System.Numerics;

namespace Verity.Market.OrderStream.Storage;

/// <summary>
/// Where the order stream keeps its orders: one table in the node's database (SQLite or PostgreSQL). Orders become
/// visible in seq order: a reader that has seen seq n never later finds a new order below n, which is what lets the
/// WebSocket feed and its clients resume "after n" without missing one.
/// </summary>
public interface IOrderStore : IAsyncDisposable
{
    /// <summary>Names the store (and its file or server) in errors.</summary>
    string Name { get; }

    /// <summary>Creates or upgrades the order stream's tables (idempotent; two processes may call it at once).</summary>
    Task MigrateAsync(CancellationToken ct = default);

    /// <summary>Inserts the order, or returns null when an order with the same digest is already there.</summary>
    Task<StoredOrder?> AddAsync(NewOrder order, CancellationToken ct = default);

    /// <summary>Up to <paramref name="limit"/> orders with seq greater than <paramref name="after"/>, in seq order.</summary>
    Task<IReadOnlyList<StoredOrder>> ListAsync(long after, int limit, CancellationToken ct = default);

    /// <summary>Up to <paramref name="limit"/> orders posted under <paramref name="requestId"/>, in seq order.</summary>
    Task<IReadOnlyList<StoredOrder>> ByRequestIdAsync(BigInteger requestId, int limit, CancellationToken ct = default);

    /// <summary>The highest seq in the store, 0 when it is empty.</summary>
    Task<long> LastSeqAsync(CancellationToken ct = default);
}
