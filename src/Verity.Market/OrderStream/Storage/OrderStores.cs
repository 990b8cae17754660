namespace Verity.Market.OrderStream.Storage;

/// <summary>Opens the store the command line names: PostgreSQL when a connection string is given, else the node's
/// SQLite file in the data directory.</summary>
public static class OrderStores
{
    /// <summary>The node's database file: the order stream shares it (its own tables).</summary>
    public static string SqlitePath(string dataDir) => Path.Combine(dataDir, "node.db");

    /// <summary>Opens and migrates the store.</summary>
    public static async Task<IOrderStore> OpenAsync(string dataDir, string? postgres, CancellationToken ct = default)
    {
        IOrderStore store;
        if (!string.IsNullOrWhiteSpace(postgres)) store = new PostgresOrderStore(postgres);
        else
        {
            Directory.CreateDirectory(dataDir);
            store = new SqliteOrderStore(SqlitePath(dataDir));
        }
        try
        {
            await store.MigrateAsync(ct).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
