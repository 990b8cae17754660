namespace Verity.Broker.Store;

/// <summary>Opens the broker store the command line names (docs/BROKER.md §1).</summary>
public static class BrokerStores
{
    /// <summary>
    /// A store on <paramref name="db"/> = <c>sqlite</c> (<paramref name="sqlitePathOrPgConnection"/> is the database file:
    /// the node's node.db or a standalone broker.db; its directory is created, private to the user, when missing) or
    /// <c>postgres</c> (an Npgsql connection string). Not yet migrated: call <see cref="IBrokerStore.MigrateAsync"/>, or
    /// use <see cref="OpenAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown database kind or an empty path / connection string.</exception>
    public static IBrokerStore Open(string db, string sqlitePathOrPgConnection)
    {
        ArgumentNullException.ThrowIfNull(db);
        switch (db.Trim().ToLowerInvariant())
        {
            case "sqlite":
                if (string.IsNullOrWhiteSpace(sqlitePathOrPgConnection))
                    throw new ArgumentException("the broker's SQLite database path is empty", nameof(sqlitePathOrPgConnection));
                CreatePrivateDirectory(Path.GetDirectoryName(Path.GetFullPath(sqlitePathOrPgConnection))!);
                return new SqliteBrokerStore(sqlitePathOrPgConnection);
            case "postgres" or "postgresql":
                return new PostgresBrokerStore(sqlitePathOrPgConnection);
            default:
                throw new ArgumentException($"unknown broker database '{db}': use sqlite or postgres", nameof(db));
        }
    }

    /// <summary><see cref="Open"/>, then migrates (disposing the store if that fails).</summary>
    public static async Task<IBrokerStore> OpenAsync(string db, string sqlitePathOrPgConnection, CancellationToken ct = default)
    {
        var store = Open(db, sqlitePathOrPgConnection);
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

    /// <summary>The broker's database holds the node's private data: a directory created here is the user's only (0700).</summary>
    private static void CreatePrivateDirectory(string directory)
    {
        if (Directory.Exists(directory)) return;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
