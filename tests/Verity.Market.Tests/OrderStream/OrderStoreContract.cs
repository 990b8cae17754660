using System.Numerics;
using Verity.Market.OrderStream.Storage;

namespace Verity.Market.Tests.OrderStream;

/// <summary>The tests every <see cref="IOrderStore"/> passes; SQLite and PostgreSQL run them alike.</summary>
public abstract class OrderStoreContract
{
    /// <summary>A migrated store; called again with the same <paramref name="location"/>, a new store over the same data.</summary>
    protected abstract Task<IOrderStore> OpenAsync(string location);

    /// <summary>A fresh, empty place for a store.</summary>
    protected abstract Task<string> NewLocationAsync();

    private static int _next;

    internal static NewOrder Order(BigInteger? id = null, string body = "{}")
    {
        int n = Interlocked.Increment(ref _next);
        var digest = new byte[32];
        BitConverter.GetBytes(n).CopyTo(digest, 0);
        Guid.NewGuid().ToByteArray().CopyTo(digest, 16);
        return new NewOrder(id ?? ((BigInteger)0xabcdef << 32 | (uint)n), digest, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            1_700_000_000 + n, 1_700_000_000_000 + n, body, new byte[65]);
    }

    [Fact]
    public async Task AddsAndListsInSeqOrder()
    {
        await using var store = await OpenAsync(await NewLocationAsync());
        Assert.Equal(0, await store.LastSeqAsync());
        var added = new List<StoredOrder>();
        for (int i = 0; i < 5; i++) added.Add((await store.AddAsync(Order(body: $"{{\"n\":{i}}}")))!);
        Assert.Equal(added.Select(o => o.Seq).Order(), added.Select(o => o.Seq));
        Assert.Equal(added.Count, added.Select(o => o.Seq).Distinct().Count());

        var all = await store.ListAsync(0, 100);
        Assert.Equal(added.Select(o => o.Seq), all.Select(o => o.Seq));
        var first = all[0];
        Assert.Equal(added[0].RequestId, first.RequestId);
        Assert.Equal(added[0].Digest, first.Digest);
        Assert.Equal(added[0].Requestor, first.Requestor);
        Assert.Equal(added[0].Deadline, first.Deadline);
        Assert.Equal(added[0].CreatedMs, first.CreatedMs);
        Assert.Equal("{\"n\":0}", first.Body);
        Assert.Equal(new byte[65], first.Signature);

        Assert.Equal(added.Skip(2).Take(2).Select(o => o.Seq), (await store.ListAsync(added[1].Seq, 2)).Select(o => o.Seq));
        Assert.Empty(await store.ListAsync(added[^1].Seq, 10));
        Assert.Equal(added[^1].Seq, await store.LastSeqAsync());
    }

    [Fact]
    public async Task RefusesADuplicateDigest()
    {
        await using var store = await OpenAsync(await NewLocationAsync());
        var order = Order();
        Assert.NotNull(await store.AddAsync(order));
        Assert.Null(await store.AddAsync(order with { Body = "{\"other\":1}" }));
        Assert.Single(await store.ListAsync(0, 10));
    }

    [Fact]
    public async Task FindsEveryBodyPostedUnderAnId()
    {
        await using var store = await OpenAsync(await NewLocationAsync());
        var id = (BigInteger)0x1234 << 32 | 9;
        var a = await store.AddAsync(Order(id, "{\"a\":1}"));
        await store.AddAsync(Order());
        var b = await store.AddAsync(Order(id, "{\"b\":2}"));
        var found = await store.ByRequestIdAsync(id, 10);
        Assert.Equal([a!.Seq, b!.Seq], found.Select(o => o.Seq));
        Assert.Equal(["{\"a\":1}", "{\"b\":2}"], found.Select(o => o.Body));
        Assert.Single(await store.ByRequestIdAsync(id, 1));
        Assert.Empty(await store.ByRequestIdAsync(id + 1, 10));
    }

    [Fact]
    public async Task AReopenedStoreKeepsItsOrdersAndContinuesTheSeq()
    {
        string location = await NewLocationAsync();
        long last;
        await using (var store = await OpenAsync(location))
        {
            await store.AddAsync(Order());
            last = (await store.AddAsync(Order()))!.Seq;
        }
        await using (var reopened = await OpenAsync(location))
        {
            Assert.Equal(2, (await reopened.ListAsync(0, 10)).Count);
            var next = await reopened.AddAsync(Order());
            Assert.True(next!.Seq > last, $"seq {next.Seq} after {last}");
        }
    }

    [Fact]
    public async Task ConcurrentAddsGetDistinctSeqsVisibleInOrder()
    {
        await using var store = await OpenAsync(await NewLocationAsync());
        var added = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => store.AddAsync(Order()))));
        var seqs = added.Select(o => o!.Seq).ToList();
        Assert.Equal(40, seqs.Distinct().Count());
        Assert.Equal(seqs.Order(), (await store.ListAsync(0, 100)).Select(o => o.Seq));
    }

    [Fact]
    public async Task RefusesBadListArguments()
    {
        await using var store = await OpenAsync(await NewLocationAsync());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ListAsync(-1, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ListAsync(0, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ByRequestIdAsync(BigInteger.One << 192, 1));
    }
}

public sealed class SqliteOrderStoreTests : OrderStoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-orders-").FullName;

    protected override async Task<IOrderStore> OpenAsync(string location) => await OrderStores.OpenAsync(location, postgres: null);

    protected override Task<string> NewLocationAsync() => Task.FromResult(Path.Combine(_dir, Guid.NewGuid().ToString("N")));

    [Fact]
    public async Task SharesTheNodesDatabaseFileWithoutTouchingItsMigrations()
    {
        string dir = await NewLocationAsync();
        Directory.CreateDirectory(dir);
        // The node's own bookkeeping, as the cluster task store keeps it in node.db.
        await using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={OrderStores.SqlitePath(dir)}"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL); INSERT INTO schema_migrations VALUES (7, 'node', 0);";
            await cmd.ExecuteNonQueryAsync();
        }
        await using (var store = await OpenAsync(dir)) await store.AddAsync(Order());
        await using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={OrderStores.SqlitePath(dir)};Pooling=false"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM schema_migrations";
            Assert.Equal(1L, (long)(await cmd.ExecuteScalarAsync())!);
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

public sealed class PostgresOrderStoreTests(Verity.Cluster.Tests.Store.PostgresDatabaseFixture db)
    : OrderStoreContract, IClassFixture<Verity.Cluster.Tests.Store.PostgresDatabaseFixture>
{
    protected override async Task<IOrderStore> OpenAsync(string location) => await OrderStores.OpenAsync("unused", location);

    protected override Task<string> NewLocationAsync() => db.NewSchemaAsync();
}

public sealed class OrderStoresTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("verity-orders-mode-").FullName;

    [Fact]
    public async Task ANewDataDirAndDatabaseAreTheUsersOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        string dir = Path.Combine(_parent, "data");
        await using (var store = await OrderStores.OpenAsync(dir, postgres: null)) await store.AddAsync(OrderStoreContract.Order());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(OrderStores.SqlitePath(dir)));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_parent, recursive: true);
    }
}
