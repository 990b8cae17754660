using System.Data.Common;
using Microsoft.Data.Sqlite;
using Verity.Storage.Sqlite;

namespace Verity.Aztec.Store;

/// <summary>
/// Aztec jobs in the node's SQLite file, beside its task tables: writes one at a time as BEGIN IMMEDIATE transactions
/// (another process on the file waits on busy_timeout), reads in snapshot transactions on pooled connections.
/// </summary>
public sealed class SqliteAztecJobStore : AztecJobStore
{
    private readonly SqliteDatabase _db;

    public SqliteAztecJobStore(string path, TimeSpan? busyTimeout = null)
        : base($"SQLite Aztec job store ({path})", AztecSqlDialect.Sqlite)
    {
        _db = new SqliteDatabase(path, busyTimeout, nameof(SqliteAztecJobStore));
    }

    private protected override Task<T> RunAsync<T>(string operation, Func<DbConnection, DbTransaction, T> work, bool write, CancellationToken ct) =>
        write
            ? _db.WriteAsync((c, tx) => Task.FromResult(work(c, tx)), e => Translate(e, operation), ct)
            : _db.ReadAsync(c =>
            {
                using var tx = c.BeginTransaction(deferred: true);
                return Task.FromResult(work(c, tx));
            }, e => Translate(e, operation), ct);

    private Exception? Translate(Exception e, string operation) => e is SqliteException ? new AztecStoreException(Name, operation, e) : null;

    public override ValueTask DisposeAsync() => _db.DisposeAsync();
}
