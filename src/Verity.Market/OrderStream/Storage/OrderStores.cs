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
            CreatePrivate(dataDir);
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

    /// <summary>node.db also holds the node's private data (clients' jobs): a data dir and database file created here
    /// are the user's only (0700 / 0600), as the node itself creates them.</summary>
    private static void CreatePrivate(string dataDir)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDir);
            return;
        }
        if (!Directory.Exists(dataDir)) Directory.CreateDirectory(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string db = SqlitePath(dataDir);
        if (File.Exists(db)) return;
        try
        {
            using var _ = new FileStream(db, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(db))
        {
            // Created by the node (or another order stream) in the meantime.
        }
    }
}
