using Dapper;
using Microsoft.Data.Sqlite;

namespace Verity.Storage.Sqlite;

/// <summary>
/// One SQLite file as the order stream's, the broker's and the Aztec endpoint's stores use it, usually the node's own
/// <c>node.db</c>. WAL mode, as the node runs it. Writes go one at a time through one connection as BEGIN IMMEDIATE transactions, so they
/// commit in order and another process on the same file queues on the lock (busy_timeout) rather than failing. Reads
/// use pooled connections and run beside the writer.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;
    private readonly string _owner;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private SqliteConnection? _writer;
    private volatile bool _disposed;

    /// <param name="path">The database file (created when missing).</param>
    /// <param name="busyTimeout">How long a write waits for another process's lock on the file (default 10 s).</param>
    /// <param name="owner">the store using it, named in <see cref="ObjectDisposedException"/>s</param>
    public SqliteDatabase(string path, TimeSpan? busyTimeout, string owner)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("the SQLite database path is empty", nameof(path));
        var busy = busyTimeout ?? TimeSpan.FromSeconds(10);
        if (busy <= TimeSpan.Zero || busy > TimeSpan.FromHours(1))
            throw new ArgumentOutOfRangeException(nameof(busyTimeout), busy, "the SQLite busy timeout must be positive and at most an hour");
        _busyTimeoutMs = (int)Math.Ceiling(busy.TotalMilliseconds);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path, Pooling = true, DefaultTimeout = Math.Max(1, _busyTimeoutMs / 1000),
        }.ToString();
        _owner = owner;
    }

    /// <summary>Runs <paramref name="work"/> in a write transaction on the one writer connection and commits it.</summary>
    /// <param name="translate">the store's exception for a database failure, or null for an exception that is not one (rethrown as is)</param>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, Func<Exception, Exception?> translate, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, _owner);
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, _owner);
            var c = _writer ??= Open(writer: true);
            using var tx = c.BeginTransaction(deferred: false);
            var result = await work(c, tx).ConfigureAwait(false);
            tx.Commit();
            return result;
        }
        catch (Exception e) when (translate(e) is { } failure)
        {
            // A broken connection is reopened by the next write.
            _writer?.Dispose();
            _writer = null;
            throw failure;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> on a pooled connection of its own.</summary>
    /// <param name="translate">as for <see cref="WriteAsync{T}"/></param>
    public async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> work, Func<Exception, Exception?> translate, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, _owner);
        try
        {
            await Task.Yield(); // SQLite's calls are synchronous: keep them off the caller's stack
            ct.ThrowIfCancellationRequested();
            await using var c = Open(writer: false);
            return await work(c).ConfigureAwait(false);
        }
        catch (Exception e) when (translate(e) is { } failure)
        {
            throw failure;
        }
    }

    private SqliteConnection Open(bool writer)
    {
        var c = new SqliteConnection(_connectionString);
        try
        {
            c.Open();
            c.Execute($"PRAGMA busy_timeout = {_busyTimeoutMs}");
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

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            _writer?.Dispose();
            _writer = null;
            // Close idle pooled connections too, so the file is free for a restart or for deletion.
            using var probe = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(probe);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
