using System.Data.Common;
using Dapper;

namespace Verity.Aztec.Store;

/// <summary>
/// The durable home of Aztec jobs: tables <c>aztec_jobs</c> and <c>aztec_meta</c> in the node's own database (SQLite or
/// PostgreSQL), so jobs survive a restart and several node replicas can serve one PostgreSQL database. Every broker
/// operation runs as one transaction (<see cref="WriteAsync{T}"/>); nothing about a job lives only in memory.
/// </summary>
public abstract class AztecJobStore : IAsyncDisposable
{
    /// <summary>The schema this code reads and writes (kept in aztec_meta under "schema_version").</summary>
    public const long SchemaVersion = 1;

    private protected AztecJobStore(string name, AztecSqlDialect dialect)
    {
        Name = name;
        Dialect = dialect;
    }

    /// <summary>Names the store and its database in errors.</summary>
    public string Name { get; }

    internal AztecSqlDialect Dialect { get; }

    public override string ToString() => Name;

    /// <summary>Creates the tables when missing; refuses a database written by a newer schema.</summary>
    /// <exception cref="AztecStoreException">The database cannot be reached or has a newer schema.</exception>
    public Task MigrateAsync(CancellationToken ct = default) => RunAsync("migrate", (c, t) =>
    {
        c.Execute(Dialect.Schema, transaction: t);
        long? version = c.QuerySingleOrDefault<long?>("SELECT value FROM aztec_meta WHERE key = 'schema_version'", transaction: t);
        if (version > SchemaVersion)
            throw new AztecStoreException(Name, "migrate", $"the database has Aztec job schema {version}, newer than this build's {SchemaVersion}");
        if (version is null)
            c.Execute("INSERT INTO aztec_meta (key, value) VALUES ('schema_version', @v) ON CONFLICT (key) DO NOTHING", new { v = SchemaVersion }, t);
        return true;
    }, write: true, ct);

    /// <summary>Runs <paramref name="work"/> as one write transaction; it commits when the work returns.</summary>
    /// <exception cref="AztecStoreException">The database failed (the transaction is rolled back).</exception>
    public Task<T> WriteAsync<T>(string operation, Func<AztecTransaction, T> work, CancellationToken ct = default) =>
        RunAsync(operation, (c, t) => work(new AztecTransaction(c, t, Dialect)), write: true, ct);

    /// <summary>Runs <paramref name="work"/> in a read-only snapshot.</summary>
    public Task<T> ReadAsync<T>(string operation, Func<AztecTransaction, T> work, CancellationToken ct = default) =>
        RunAsync(operation, (c, t) => work(new AztecTransaction(c, t, Dialect)), write: false, ct);

    /// <summary>Opens a transaction (write: taking the write lock up front), runs the work, commits.</summary>
    private protected abstract Task<T> RunAsync<T>(string operation, Func<DbConnection, DbTransaction, T> work, bool write, CancellationToken ct);

    public abstract ValueTask DisposeAsync();
}

/// <summary>The Aztec job store failed: names the store, the operation and the cause.</summary>
public sealed class AztecStoreException : Exception
{
    public AztecStoreException(string store, string operation, string message, Exception? inner = null)
        : base($"{store}: {operation} failed: {message}", inner)
    {
    }

    public AztecStoreException(string store, string operation, Exception inner)
        : this(store, operation, inner.Message, inner)
    {
    }
}
