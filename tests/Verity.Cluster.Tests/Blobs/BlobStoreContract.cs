using Verity.Cluster.Blobs;

namespace Verity.Cluster.Tests.Blobs;

/// <summary>
/// What every <see cref="IBlobStore"/> must do. A subclass per implementation supplies a fresh, empty store for each
/// test (xUnit makes a new instance per test).
/// </summary>
public abstract partial class BlobStoreContract : IAsyncLifetime
{
    private IBlobStore? _store;

    protected IBlobStore Store => _store ?? throw new InvalidOperationException("the store is created in InitializeAsync");

    /// <summary>A store that holds no blobs yet.</summary>
    protected abstract IBlobStore CreateStore();

    /// <summary>Removes what the test left (the store is not used afterwards).</summary>
    protected abstract Task CleanupAsync(IBlobStore store);

    public Task InitializeAsync()
    {
        _store = CreateStore();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_store is not null) await CleanupAsync(_store);
    }

    protected static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected async Task<List<string>> ListSorted(string prefix)
    {
        var keys = new List<string>();
        await foreach (var key in Store.ListAsync(prefix)) keys.Add(key);
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    [Fact]
    public async Task Empty_blob_round_trips_as_empty_not_missing()
    {
        await Store.PutAsync("jobs/x/empty", ReadOnlyMemory<byte>.Empty);
        var got = await Store.GetAsync("jobs/x/empty");
        Assert.NotNull(got);
        Assert.Empty(got);
        Assert.True(await Store.ExistsAsync("jobs/x/empty"));
    }

    [Fact]
    public async Task Multi_megabyte_blob_round_trips()
    {
        var data = RandomBytes(5 * 1024 * 1024 + 17, seed: 1);
        await Store.PutAsync("jobs/x/proofs/0", data);
        Assert.Equal(data, await Store.GetAsync("jobs/x/proofs/0"));
    }

    [Fact]
    public async Task A_slice_of_a_larger_buffer_stores_only_the_slice()
    {
        var buffer = RandomBytes(4096, seed: 2);
        await Store.PutAsync("inputs/slice", buffer.AsMemory(100, 1000));
        Assert.Equal(buffer[100..1100], await Store.GetAsync("inputs/slice"));
    }

    [Fact]
    public async Task Put_overwrites_with_a_shorter_blob()
    {
        await Store.PutAsync("images/abc", RandomBytes(10_000, seed: 3));
        var second = RandomBytes(10, seed: 4);
        await Store.PutAsync("images/abc", second);
        Assert.Equal(second, await Store.GetAsync("images/abc"));
    }

    [Fact]
    public async Task Missing_blob_reads_as_null()
    {
        Assert.Null(await Store.GetAsync("jobs/none/receipt"));
        Assert.False(await Store.ExistsAsync("jobs/none/receipt"));
    }

    [Fact]
    public async Task Exists_matches_whole_keys_only()
    {
        await Store.PutAsync("jobs/a/run2", new byte[] { 1 });
        await Store.PutAsync("jobs/a/proofs/0", new byte[] { 2 });
        Assert.True(await Store.ExistsAsync("jobs/a/run2"));
        Assert.False(await Store.ExistsAsync("jobs/a/run")); // a prefix of a key
        Assert.False(await Store.ExistsAsync("jobs/a/proofs")); // a "folder"
        Assert.False(await Store.ExistsAsync("jobs/a/run22"));
    }

    [Fact]
    public async Task Delete_removes_the_blob_and_is_idempotent()
    {
        await Store.PutAsync("jobs/d/run", new byte[] { 1, 2, 3 });
        await Store.PutAsync("jobs/d/run.keep", new byte[] { 4 });
        await Store.DeleteAsync("jobs/d/run");
        Assert.False(await Store.ExistsAsync("jobs/d/run"));
        Assert.Null(await Store.GetAsync("jobs/d/run"));
        await Store.DeleteAsync("jobs/d/run");
        await Store.DeleteAsync("jobs/never/there");
        Assert.Equal(new byte[] { 4 }, await Store.GetAsync("jobs/d/run.keep"));
    }

    [Fact]
    public async Task Delete_prefix_removes_exactly_the_prefix()
    {
        string[] doomed = ["jobs/a/run", "jobs/a/proofs/0", "jobs/a/proofs/1", "jobs/a/receipt"];
        string[] kept = ["jobs/ab/run", "jobs/b/run", "jobs/a-run", "images/a", "inputs/jobs-a"];
        foreach (var key in doomed.Concat(kept)) await Store.PutAsync(key, System.Text.Encoding.UTF8.GetBytes(key));

        Assert.Equal(doomed.Length, await Store.DeletePrefixAsync("jobs/a/"));

        foreach (var key in doomed) Assert.False(await Store.ExistsAsync(key), key);
        foreach (var key in kept) Assert.Equal(System.Text.Encoding.UTF8.GetBytes(key), await Store.GetAsync(key));
        Assert.Equal(kept.Order(StringComparer.Ordinal).ToList(), await ListSorted(""));
        Assert.Equal(0, await Store.DeletePrefixAsync("jobs/a/"));
    }

    [Fact]
    public async Task Delete_prefix_of_nothing_deletes_nothing()
    {
        await Store.PutAsync("jobs/z/run", new byte[] { 1 });
        Assert.Equal(0, await Store.DeletePrefixAsync("jobs/y/"));
        Assert.True(await Store.ExistsAsync("jobs/z/run"));
    }

    [Fact]
    public async Task List_returns_the_keys_under_a_prefix()
    {
        Assert.Empty(await ListSorted(""));
        string[] keys = ["images/i1", "inputs/n1", "jobs/a/proofs/0", "jobs/a/proofs/10", "jobs/a/run", "jobs/ab/run"];
        foreach (var key in keys) await Store.PutAsync(key, new byte[] { 7 });

        Assert.Equal(keys, await ListSorted(""));
        Assert.Equal(["jobs/a/proofs/0", "jobs/a/proofs/10", "jobs/a/run", "jobs/ab/run"], await ListSorted("jobs/"));
        Assert.Equal(["jobs/a/proofs/0", "jobs/a/proofs/10", "jobs/a/run"], await ListSorted("jobs/a/"));
        Assert.Equal(["jobs/a/proofs/0", "jobs/a/proofs/10"], await ListSorted("jobs/a/proofs/"));
        Assert.Empty(await ListSorted("receipts/"));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("Jobs/Upper")]
    [InlineData("")]
    [InlineData("a/")]
    [InlineData("a/./b")]
    [InlineData("a b")]
    public async Task Invalid_keys_are_rejected(string key)
    {
        var put = await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(key, new byte[] { 1 }));
        Assert.Contains("not a valid blob key", put.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ExistsAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(key));
        Assert.Empty(await ListSorted(""));
    }

    [Fact]
    public async Task Concurrent_puts_of_different_keys_all_land()
    {
        const int n = 24;
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, ct) => await Store.PutAsync($"jobs/c/proofs/{i}", RandomBytes(20_000 + i, seed: 100 + i), ct));

        for (int i = 0; i < n; i++)
            Assert.Equal(RandomBytes(20_000 + i, seed: 100 + i), await Store.GetAsync($"jobs/c/proofs/{i}"));
        Assert.Equal(n, (await ListSorted("jobs/c/")).Count);
    }
}
