using Verity.Stark.Air.Model;

namespace Verity.Stark.Tests;

public class LruCacheTests
{
    [Fact]
    public void Evicts_least_recently_used_past_capacity()
    {
        var cache = new LruCache<int, byte[]>(100, v => v.Length);
        int created = 0;
        byte[] Make(int n) { created++; return new byte[n]; }
        cache.GetOrAdd(1, () => Make(40));
        cache.GetOrAdd(2, () => Make(40));
        cache.GetOrAdd(1, () => Make(40)); // hit: 1 is now the most recent
        Assert.Equal(2, created);
        cache.GetOrAdd(3, () => Make(40)); // 120 > 100: drop 2, the least recently used
        Assert.Equal(2, cache.Count);
        cache.GetOrAdd(1, () => Make(40));
        Assert.Equal(3, created);
        cache.GetOrAdd(2, () => Make(40));
        Assert.Equal(4, created);
    }

    [Fact]
    public void Keeps_an_entry_larger_than_capacity_until_the_next_one()
    {
        var cache = new LruCache<int, byte[]>(10, v => v.Length);
        var big = cache.GetOrAdd(1, () => new byte[50]);
        Assert.Same(big, cache.GetOrAdd(1, () => new byte[1]));
        cache.GetOrAdd(2, () => new byte[5]);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Concurrent_misses_compute_once_and_failures_are_not_cached()
    {
        var cache = new LruCache<int, object>(1000, _ => 1);
        int created = 0;
        Parallel.For(0, 64, _ => cache.GetOrAdd(7, () => { Interlocked.Increment(ref created); Thread.Sleep(5); return new object(); }));
        Assert.Equal(1, created);
        Assert.Throws<InvalidOperationException>(() => cache.GetOrAdd(8, () => throw new InvalidOperationException("boom")));
        Assert.NotNull(cache.GetOrAdd(8, () => new object()));
    }

    [Fact]
    public void Shrinking_capacity_evicts()
    {
        var cache = new LruCache<int, byte[]>(1000, v => v.Length);
        for (int i = 0; i < 10; i++) cache.GetOrAdd(i, () => new byte[100]);
        Assert.Equal(10, cache.Count);
        cache.CapacityBytes = 250;
        Assert.Equal(2, cache.Count);
    }
}
