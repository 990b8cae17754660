using Verity.Broker.Store;
using Verity.Cluster.Tests.Store;

namespace Verity.Broker.Tests.Store;

/// <summary>The store suite on PostgreSQL: a throwaway database per class, a schema per test (VERITY_TEST_POSTGRES).</summary>
public sealed class PostgresBrokerStoreTests(PostgresDatabaseFixture db) : BrokerStoreSuite, IClassFixture<PostgresDatabaseFixture>
{
    protected override Task<string> NewDatabaseAsync() => db.NewSchemaAsync();

    protected override IBrokerStore Open(string location, TimeProvider? clock = null) => new PostgresBrokerStore(location, clock);

    [Fact]
    public async Task FactoryOpensPostgres()
    {
        var location = await db.NewSchemaAsync();
        await using var store = await BrokerStores.OpenAsync("postgres", location);
        Assert.True(await store.InsertOrderAsync(TestOrders.New(1)));
        Assert.Throws<ArgumentException>(() => BrokerStores.Open("postgres", ""));
    }
}
