namespace Verity.Cluster.Store;

/// <summary>Times are stored as Unix milliseconds (BIGINT) in both schemas: exact, comparable, dialect-neutral.</summary>
internal static class StoreTime
{
    public static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    public static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static DateTimeOffset? At(long? ms) => ms is long v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
}
