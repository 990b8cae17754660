using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Verity.Aztec.Store;

/// <summary>
/// Aztec jobs in the node's SQLite file, beside its task tables. Writes are serialized in the process on one connection
/// and run as BEGIN IMMEDIATE (another process on the file waits on busy_timeout); reads use pooled connections.
/// </summary>
public sealed class SqliteAztecJobStore : AztecJobStore
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private SqliteConnection? _writer;
    private volatile bool _disposed;

    public SqliteAztecJobStore(string path, TimeSpan? busyTimeout = null)
        : base($"SQLite Aztec job store ({path})", AztecSqlDialect.Sqlite)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _busyTimeoutMs = (int)Math.Ceiling((busyTimeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = Math.Max(1, _busyTimeoutMs / 1000) }.ToString();
    }

    private protected override async Task<T> RunAsync<T>(string operation, Func<DbConnection, DbTransaction, T> work, bool write, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!write) return await ReadAsync(operation, work, ct).ConfigureAwait(false);
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var c = _writer ??= Open();
            using var tx = c.BeginTransaction(deferred: false);
            var result = work(c, tx);
            tx.Commit();
            return result;
        }
        catch (SqliteException e)
        {
            // A broken connection is reopened by the next write.
            _writer?.Dispose();
            _writer = null;
            throw new AztecStoreException(Name, operation, e);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task<T> ReadAsync<T>(string operation, Func<DbConnection, DbTransaction, T> work, CancellationToken ct)
    {
        try
        {
            await using var c = new SqliteConnection(_connectionString);
            await c.OpenAsync(ct).ConfigureAwait(false);
            c.Execute($"PRAGMA busy_timeout = {_busyTimeoutMs}");
            using var tx = c.BeginTransaction(deferred: true);
            return work(c, tx);
        }
        catch (SqliteException e)
        {
            throw new AztecStoreException(Name, operation, e);
        }
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_connectionString);
        try
        {
            c.Open();
            c.Execute($"PRAGMA busy_timeout = {_busyTimeoutMs}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_writer != null) await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
            using var probe = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(probe);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
