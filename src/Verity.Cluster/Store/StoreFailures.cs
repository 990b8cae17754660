using System.Data.Common;

namespace Verity.Cluster.Store;

/// <summary>Which exceptions mean "the database failed" (wrapped in <see cref="TaskStoreException"/>) as opposed to bad
/// arguments or a disposed store, which pass through unchanged.</summary>
internal static class StoreFailures
{
    public static bool IsDatabaseFailure(Exception e) =>
        e is DbException or TimeoutException or IOException or System.Net.Sockets.SocketException;
}
