using Verity.Broker.Store;

namespace Verity.Broker.Tests.Store;

/// <summary>The store suite on SQLite files in a temporary directory.</summary>
public sealed class SqliteBrokerStoreTests : BrokerStoreSuite, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-broker-store-").FullName;

    protected override Task<string> NewDatabaseAsync() => Task.FromResult(Path.Combine(_dir, $"{Guid.NewGuid():N}", "broker.db"));

    protected override IBrokerStore Open(string location, TimeProvider? clock = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(location)!);
        return new SqliteBrokerStore(location, clock: clock);
    }

    [Fact]
    public async Task FactoryOpensSqliteAndRefusesUnknownKinds()
    {
        var path = Path.Combine(_dir, "new-dir", "broker.db");
        await using (var store = await BrokerStores.OpenAsync("sqlite", path))
            Assert.True(await store.InsertOrderAsync(TestOrders.New(1)));
        Assert.True(File.Exists(path));
        var e = Assert.Throws<ArgumentException>(() => BrokerStores.Open("mysql", path));
        Assert.Contains("mysql", e.Message);
        Assert.Throws<ArgumentException>(() => BrokerStores.Open("sqlite", " "));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
