using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Verity.Cluster.Jobs;
using Verity.Cluster.Store;
using Verity.Cluster.Store.Sqlite;

namespace Verity.Cluster.Tests.Store;

/// <summary>The store contract on SQLite (a temporary file per test), plus what is SQLite's own.</summary>
public sealed class SqliteTaskStoreTests : TaskStoreContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-sqlite-store-").FullName;

    protected override Task<string> NewPlaceAsync() => Task.FromResult(Path.Combine(_dir, $"{Guid.NewGuid():N}.db"));

    protected override Task DropPlaceAsync(string place)
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    protected override ITaskStore Open(string place, TaskPolicies policies) => new SqliteTaskStore(place, policies);

    protected override ITaskStore OpenUnreachable() =>
        new SqliteTaskStore(Path.Combine(_dir, "no-such-directory", "cluster.db"), new TaskPolicies());

    protected override string StoreKind => "SQLite task store";

    protected override int LatestSchemaVersion => SqliteSchema.Migrations.Count;

    [Fact]
    public async Task Database_IsInWalMode()
    {
        string path = await NewPlaceAsync();
        await using (var store = new SqliteTaskStore(path, new TaskPolicies())) await store.MigrateAsync();
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task TwoStoresOnOneFile_ShareOneQueue()
    {
        // Two processes on one file: each store has its own writer connection; BEGIN IMMEDIATE + busy_timeout queue them.
        string path = await NewPlaceAsync();
        await using var a = new SqliteTaskStore(path, new TaskPolicies());
        await using var b = new SqliteTaskStore($"Data Source={path}", new TaskPolicies());
        await a.MigrateAsync();
        await b.MigrateAsync();
        for (int j = 0; j < 4; j++)
            await a.CreateJobAsync(TaskIds.NewJobId(), Spec(), Enumerable.Range(0, 25).Select(Prove).ToList(), T0);

        var claimed = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var store = i % 2 == 0 ? a : b;
            while (await store.ClaimAsync($"agent-{i}", [TaskType.Prove], T0) is { } task)
            {
                claimed.Add(task.TaskId);
                Assert.Equal(ReportOutcome.Accepted, await store.CompleteAsync(task.Lease, "{}", new TaskCompletion(), At(1)));
            }
        })));
        Assert.Equal(100, claimed.Count);
        Assert.Equal(100, claimed.Distinct().Count());
        Assert.Equal(100, (await b.StatsAsync()).TasksByState[(TaskType.Prove, TaskState.Done)]);
    }
}
