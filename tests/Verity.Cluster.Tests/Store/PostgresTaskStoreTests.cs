using Verity.Cluster.Jobs;
using Verity.Cluster.Store;
using Verity.Cluster.Store.Postgres;

namespace Verity.Cluster.Tests.Store;

/// <summary>The store contract on PostgreSQL: a fresh database for the class (see <see cref="PostgresDatabaseFixture"/>),
/// a fresh schema per test. Fails, never skips, without a server.</summary>
public sealed class PostgresTaskStoreTests(PostgresDatabaseFixture database) : TaskStoreContract, IClassFixture<PostgresDatabaseFixture>
{
    protected override Task<string> NewPlaceAsync() => database.NewSchemaAsync();

    // The schemas go with the database when the fixture drops it.
    protected override Task DropPlaceAsync(string place) => Task.CompletedTask;

    protected override ITaskStore Open(string place, TaskPolicies policies) => new PostgresTaskStore(place, policies);

    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    protected override ITaskStore OpenUnreachable() =>
        new PostgresTaskStore("Host=127.0.0.1;Port=1;Username=postgres;Database=verity;Timeout=3", new TaskPolicies());

    protected override string StoreKind => "PostgreSQL task store";

    protected override int LatestSchemaVersion => PostgresSchema.Migrations.Count;

    [Fact]
    public void BadConnectionString_IsAnArgumentError()
    {
        var e = Assert.Throws<ArgumentException>(() => new PostgresTaskStore("Hots=x;Nonsense", new TaskPolicies()));
        Assert.Contains("PostgreSQL connection string", e.Message);
    }
}
