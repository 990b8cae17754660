using System.Text.Json;
using Npgsql;

namespace Verity.Cli.Tests.Aztec;

/// <summary>
/// `verity bench aztec` run tiny against Aztec's own broker and Verity nodes on SQLite and PostgreSQL (the server of
/// VERITY_TEST_POSTGRES; ./test.sh starts one): the output's shape and that every job came back proved. Never a timing.
/// </summary>
[Collection(nameof(InProcessCli))]
public sealed class AztecBenchCommandTests
{
    private const string PostgresVariable = "VERITY_TEST_POSTGRES";

    private static string Postgres() =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } admin
            ? admin
            : throw new InvalidOperationException($"set {PostgresVariable} or run ./test.sh (it starts a throwaway PostgreSQL server)");

    [Fact]
    public async Task A_tiny_run_measures_every_target_and_every_job_is_proved()
    {
        string postgres = Postgres();
        var (code, output, error) = InProcessCli.Run("bench", "aztec", "--jobs", "20", "--agents", "2", "--warmup", "4", "--rounds", "1", "--postgres", postgres, "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(20, root.GetProperty("jobs").GetInt32());
        Assert.Equal(2, root.GetProperty("agents").GetInt32());
        Assert.Equal(4, root.GetProperty("warmup").GetInt32());
        Assert.StartsWith("v", root.GetProperty("node_js").GetString());

        var targets = root.GetProperty("targets").EnumerateArray().ToList();
        Assert.Equal(["aztec-in-memory", "verity-sqlite", "verity-postgres"], targets.Select(t => t.GetProperty("target").GetString()));
        foreach (var t in targets)
        {
            string name = t.GetProperty("target").GetString()!;
            Assert.Equal(1, t.GetProperty("runs").GetInt32());
            Assert.Equal(20, t.GetProperty("completed").GetInt32());
            Assert.True(t.GetProperty("proved").GetInt32() >= 20, $"{name}: {t}");
            Assert.True(t.GetProperty("median_jobs_per_second").GetDouble() > 0, name);
            Assert.True(t.GetProperty("min_jobs_per_second").GetDouble() <= t.GetProperty("max_jobs_per_second").GetDouble(), name);
            Assert.True(t.GetProperty("latency_p50_ms").GetDouble() <= t.GetProperty("latency_p95_ms").GetDouble(), name);
            Assert.True(t.GetProperty("harness_cpu_ms_per_job").GetDouble() > 0, name);
            Assert.True(t.GetProperty("broker_cpu_ms_per_job").GetDouble() > 0, name);
            Assert.False(string.IsNullOrEmpty(t.GetProperty("bottleneck").GetString()), name);
            // The overhead is against Aztec's broker: absent for Aztec's own row.
            Assert.Equal(name == "aztec-in-memory" ? JsonValueKind.Null : JsonValueKind.Number, t.GetProperty("overhead_ms_per_job").ValueKind);
            // The throwaway PostgreSQL runs on this machine: its server's CPU is counted, on the PostgreSQL row only.
            Assert.Equal(name == "verity-postgres" ? JsonValueKind.Number : JsonValueKind.Null, t.GetProperty("store_cpu_ms_per_job").ValueKind);
        }

        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.Equal(20, r.GetProperty("completed").GetInt32()));

        // Each PostgreSQL run had a schema of its own, dropped after it.
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'verity_bench_%'", connection);
        Assert.Equal(0L, (long)(await query.ExecuteScalarAsync())!);
    }

    [Fact]
    public void Without_Aztec_packages_it_says_to_install_them()
    {
        string dir = Path.Combine(Path.GetTempPath(), "verity-cli-aztec-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "harness"));
        File.WriteAllText(Path.Combine(dir, "harness", "bench.mjs"), "");
        try
        {
            var (code, _, error) = InProcessCli.Run("bench", "aztec", "--tools", dir);
            Assert.Equal(2, code);
            Assert.Contains("scripts/install-aztec-tools.sh", error);

            (code, _, error) = InProcessCli.Run("bench", "aztec", "--tools", Path.Combine(dir, "harness"));
            Assert.Equal(2, code);
            Assert.Contains("not the Aztec tools folder", error);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_bad_postgres_connection_is_refused_before_any_run()
    {
        var (code, output, error) = InProcessCli.Run("bench", "aztec", "--postgres", "Flavour=strawberry");
        Assert.Equal(2, code);
        Assert.Contains("--postgres is not a valid Npgsql connection string", error);
        Assert.DoesNotContain("strawberry", error + output);

        // Nothing listens on port 1: the check fails before any broker starts.
        (code, _, error) = InProcessCli.Run("bench", "aztec", "--postgres", "Host=127.0.0.1;Port=1;Username=nobody;Password=secret-password;Timeout=5");
        Assert.Equal(1, code);
        Assert.Contains("--postgres: could not create a schema", error);
        Assert.DoesNotContain("round 1", error);
        Assert.DoesNotContain("secret-password", error);
    }

    [Theory]
    [InlineData("--jobs", "0")]
    [InlineData("--agents", "0")]
    [InlineData("--rounds", "0")]
    public void Counts_below_one_are_refused(string option, string value)
    {
        var (code, _, error) = InProcessCli.Run("bench", "aztec", option, value);
        Assert.Equal(2, code);
        Assert.Contains($"{option} must be at least 1", error);
    }

    [Fact]
    public void A_negative_warmup_is_refused()
    {
        var (code, _, error) = InProcessCli.Run("bench", "aztec", "--warmup", "-1");
        Assert.Equal(2, code);
        Assert.Contains("--warmup must be 0 or more", error);
    }
}
