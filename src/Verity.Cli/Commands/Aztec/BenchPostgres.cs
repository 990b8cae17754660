using Npgsql;

namespace Verity.Cli.Commands.Aztec;

/// <summary>
/// The PostgreSQL server given to `verity bench aztec --postgres`: each Verity run gets a fresh schema
/// (verity_bench_&lt;random&gt;, the node's connection string pointing its search path there), dropped after the run,
/// so every run starts on empty tables and nothing is left behind in the database.
/// </summary>
internal sealed class BenchPostgres
{
    private readonly string _connectionString;

    private BenchPostgres(string connectionString) => _connectionString = connectionString;

    /// <summary>The server's postmaster when it runs on this machine (its CPU is then measured), else null.</summary>
    public int? ServerPid { get; private set; }

    /// <summary>CPU time of the whole local server so far (postmaster, backends, background workers), or null.</summary>
    public TimeSpan? ServerCpuTime() => ServerPid is { } pid ? ProcessTreeCpu.Read(pid) : null;

    /// <summary>Checks that the connection string parses and that the server lets it create a schema.</summary>
    public static async Task<BenchPostgres> OpenAsync(string connectionString, CancellationToken ct)
    {
        NpgsqlConnectionStringBuilder builder;
        // The connection string is never echoed: it may hold a password.
        try { builder = new NpgsqlConnectionStringBuilder(connectionString); }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            throw new CliException($"--postgres is not a valid Npgsql connection string (Host=...;Database=...;Username=...): {e.Message}");
        }
        if (string.IsNullOrWhiteSpace(builder.Host)) throw new CliException("--postgres names no Host.");
        var postgres = new BenchPostgres(builder.ConnectionString);
        // One schema made and dropped now: a server that is down or refuses CREATE fails here, before any run.
        string schema = await postgres.CreateSchemaAsync(ct).ConfigureAwait(false);
        await postgres.DropSchemaAsync(schema, ct).ConfigureAwait(false);
        postgres.ServerPid = await postgres.LocalPostmasterAsync(ct).ConfigureAwait(false);
        return postgres;
    }

    /// <summary>A new empty schema; returns its name.</summary>
    public async Task<string> CreateSchemaAsync(CancellationToken ct)
    {
        string schema = "verity_bench_" + Guid.NewGuid().ToString("N")[..16];
        await ExecuteAsync($"CREATE SCHEMA {schema}", "create a schema", ct).ConfigureAwait(false);
        return schema;
    }

    /// <summary>The connection string a node uses to keep its tables in <paramref name="schema"/>.</summary>
    public string For(string schema) => new NpgsqlConnectionStringBuilder(_connectionString) { SearchPath = schema }.ConnectionString;

    public Task DropSchemaAsync(string schema, CancellationToken ct) =>
        ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE", $"drop the schema {schema}", ct);

    /// <summary>
    /// The postmaster of a server on this machine: the parent of this connection's backend, both named postgres in
    /// /proc. Null for a server elsewhere (its backend's pid means nothing here).
    /// </summary>
    private async Task<int?> LocalPostmasterAsync(CancellationToken ct)
    {
        int backend;
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
            backend = Convert.ToInt32(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            // Read while the backend lives.
            if (ProcessTreeCpu.Describe(backend) is not (var parent, "postgres") || parent <= 1) return null;
            return ProcessTreeCpu.Describe(parent) is (_, "postgres") ? parent : null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new CliFailureException($"--postgres: could not ask the server for its backend: {e.Message}");
        }
    }

    private async Task ExecuteAsync(string sql, string what, CancellationToken ct)
    {
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new CliFailureException($"--postgres: could not {what}: {e.Message}");
        }
    }
}
