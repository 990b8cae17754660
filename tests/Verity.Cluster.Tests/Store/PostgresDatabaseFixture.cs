using Npgsql;

namespace Verity.Cluster.Tests.Store;

/// <summary>
/// A throwaway database on the PostgreSQL server named by <c>VERITY_TEST_POSTGRES</c> (an admin connection string;
/// test.sh starts a server and sets it): created with a random name for one test class, dropped at the end. Each test
/// gets a schema of its own in it (<see cref="NewSchemaAsync"/>), so tests never see each other's tasks.
/// </summary>
public sealed class PostgresDatabaseFixture : IAsyncLifetime
{
    public const string Variable = "VERITY_TEST_POSTGRES";
    public const string Missing = "set VERITY_TEST_POSTGRES or run ./test.sh (it starts a throwaway PostgreSQL server)";

    private string? _admin;
    private string? _database;

    /// <summary>A connection string to the fresh database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The admin connection string from the environment.</summary>
    public string Admin => _admin ?? throw new InvalidOperationException(Missing);

    public async Task InitializeAsync()
    {
        _admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(_admin)) throw new InvalidOperationException(Missing);
        string name = "verity_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var c = new NpgsqlConnection(_admin))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        _database = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(_admin) { Database = name, Pooling = false }.ConnectionString;
    }

    /// <summary>Creates an empty schema and returns a connection string whose search path is that schema.</summary>
    public async Task<string> NewSchemaAsync()
    {
        string schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var c = new NpgsqlConnection(ConnectionString))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE SCHEMA {schema}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema, Pooling = true }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_admin is null || _database is null) return;
        await using var c = new NpgsqlConnection(_admin);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", c);
        await cmd.ExecuteNonQueryAsync();
    }
}
