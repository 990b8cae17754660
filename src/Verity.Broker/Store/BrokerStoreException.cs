namespace Verity.Broker.Store;

/// <summary>The database failed (unreachable, locked, broken); the message names the store and what was being done.</summary>
public sealed class BrokerStoreException(string store, string operation, Exception inner)
    : Exception($"{store}: could not {operation}: {inner.Message}", inner)
{
    /// <summary>Which exceptions mean "the database failed", as opposed to bad arguments or a disposed store.</summary>
    internal static bool IsDatabaseFailure(Exception e) =>
        e is System.Data.Common.DbException or TimeoutException or IOException or System.Net.Sockets.SocketException;
}
