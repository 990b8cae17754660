using Dapper;
using Microsoft.Data.Sqlite;

namespace Verity.Market.OrderStream.Storage;

/// <summary>How the market's and the broker's SQLite stores open a connection: busy timeout; writers in WAL mode.</summary>
public static class SqliteConnections
{
    public static SqliteConnection Open(string connectionString, int busyTimeoutMs, bool writer)
    {
        var c = new SqliteConnection(connectionString);
        try
        {
            c.Open();
            c.Execute($"PRAGMA busy_timeout = {busyTimeoutMs}");
            // WAL lets readers go on while one writer writes; NORMAL is durable across process crashes in WAL mode.
            if (writer) c.Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }
}
