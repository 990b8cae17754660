using Verity.Cluster.Jobs;
using Verity.Cluster.Runners;
using Verity.Vm;
using Verity.Zkvm.Proving;

namespace Verity.Cluster.Tests.Runners;

public class RunCacheTests
{
    private static readonly JobSpec Spec = new() { ImageId = new string('a', 64), InputId = new string('b', 64) };
    // The checked-in demo guest: any image will do, the cache never looks inside.
    private static readonly ProgramImage Image = ElfLoader.Load(File.ReadAllBytes(Path.Combine(TestGuests.RepoRoot, "guest", "prebuilt", "sha256.elf")));

    private static JobContext Context(string jobId, JobSpec? spec = null) => new(jobId, spec ?? Spec, Image, [], new ZkvmProveOptions());

    [Fact]
    public void Evicts_the_least_recently_used_job()
    {
        var cache = new RunCache(capacity: 2);
        cache.Put(Context("j1"));
        cache.Put(Context("j2"));
        Assert.NotNull(cache.Get("j1", Spec)); // j1 is now the most recent
        cache.Put(Context("j3"));
        Assert.Equal(2, cache.Count);
        Assert.True(cache.Contains("j1"));
        Assert.False(cache.Contains("j2"));
        Assert.True(cache.Contains("j3"));
        cache.Remove("j1");
        Assert.Null(cache.Get("j1", Spec));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void A_different_spec_under_the_same_job_id_is_a_miss()
    {
        var cache = new RunCache();
        var context = Context("j1");
        cache.Put(context);
        Assert.Same(context, cache.Get("j1", Spec with { }));
        Assert.Null(cache.Get("j1", Spec with { SegmentPo2 = 12 }));
        Assert.False(cache.Contains("j1"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Refuses_a_capacity_out_of_range(int capacity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RunCache(capacity));
}
