using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Transcripts;

namespace Verity.Stark.Tests;

public class TranscriptTests
{
    private static Transcript New(string domain = "test") => new(HashSuites.Blake3, domain);

    [Fact]
    public void Same_absorbs_give_same_challenges()
    {
        var a = New(); var b = New();
        a.AbsorbU64(7); b.AbsorbU64(7);
        Assert.Equal(a.DrawExt(), b.DrawExt());
        Assert.Equal(a.DrawBase(), b.DrawBase());
    }

    [Fact]
    public void Any_difference_in_absorbed_data_changes_challenges()
    {
        var baseline = New(); baseline.AbsorbU64(7);
        var other = New(); other.AbsorbU64(8);
        var domain = New("other"); domain.AbsorbU64(7);
        var extra = New(); extra.AbsorbU64(7); extra.AbsorbBytes([]);
        var c = baseline.DrawExt();
        Assert.NotEqual(c, other.DrawExt());
        Assert.NotEqual(c, domain.DrawExt());
        Assert.NotEqual(c, extra.DrawExt());
    }

    [Fact]
    public void Framing_distinguishes_splits_of_the_same_bytes()
    {
        var a = New(); a.AbsorbBytes([1, 2]); a.AbsorbBytes([3]);
        var b = New(); b.AbsorbBytes([1]); b.AbsorbBytes([2, 3]);
        Assert.NotEqual(a.DrawBase(), b.DrawBase());
    }

    [Fact]
    public void Successive_draws_differ_and_absorbing_after_a_draw_changes_the_next()
    {
        var a = New();
        var x = a.DrawExt();
        var y = a.DrawExt();
        Assert.NotEqual(x, y);
        var b = New(); b.DrawExt(); b.AbsorbU64(1);
        Assert.NotEqual(y, b.DrawExt());
    }

    [Fact]
    public void Drawn_elements_are_canonical_and_ood_points_avoid_the_base_field()
    {
        var t = New();
        for (int i = 0; i < 1000; i++) Assert.True(t.DrawBase().Value < Goldilocks.Modulus);
        for (int i = 0; i < 100; i++) Assert.False(t.DrawOutOfDomainPoint().IsBase);
    }

    [Theory]
    [InlineData(58, 1 << 21)]
    [InlineData(100, 128)]
    [InlineData(128, 128)]
    [InlineData(1, 8)]
    public void Query_positions_are_distinct_sorted_and_in_range(int count, int domain)
    {
        var q = New().DrawQueryPositions(count, domain);
        Assert.Equal(count, q.Length);
        Assert.Equal(count, q.Distinct().Count());
        Assert.True(q.SequenceEqual(q.Order()));
        Assert.All(q, p => Assert.InRange(p, 0, domain - 1));
    }

    [Fact]
    public void Query_positions_are_roughly_uniform()
    {
        // 64 draws of 16 positions from 64 buckets: every bucket should be hit a plausible number of times.
        var hits = new int[64];
        var t = New();
        for (int i = 0; i < 400; i++) foreach (var p in t.DrawQueryPositions(16, 64)) hits[p]++;
        Assert.All(hits, h => Assert.InRange(h, 50, 150)); // expectation 100
    }

    [Fact]
    public void Impossible_query_requests_throw()
    {
        Assert.Throws<ArgumentException>(() => New().DrawQueryPositions(9, 8));
        Assert.Throws<ArgumentException>(() => New().DrawQueryPositions(4, 12));
    }

    [Fact]
    public void Grinding_nonce_is_found_and_checked()
    {
        var t = New(); t.AbsorbU64(99);
        var state = t.CurrentState();
        ulong nonce = Transcript.Grind(HashSuites.Blake3, state, 10);
        Assert.True(t.CheckGrinding(nonce, 10));
        Assert.True(Transcript.GrindingDigest(HashSuites.Blake3, state, nonce).LeadingZeroBits() >= 10);
        // Some nonce below the found one fails (it is the smallest in its batch).
        Assert.Contains(Enumerable.Range(0, 64).Select(i => (ulong)i), n => !t.CheckGrinding(n, 10));
    }
}
