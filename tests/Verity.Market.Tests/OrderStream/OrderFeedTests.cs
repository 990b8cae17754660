using Verity.Market.OrderStream.Server;
using Verity.Market.OrderStream.Storage;

namespace Verity.Market.Tests.OrderStream;

public class OrderFeedTests
{
    private static StoredOrder Stored(long seq) => new(seq, 1, new byte[32], "0x0", 0, 0, "{}", new byte[65]);

    [Fact]
    public async Task ASubscriberThatFallsBehindIsCutOffNotBufferedWithoutBound()
    {
        var feed = new OrderFeed();
        using var slow = feed.Subscribe(capacity: 2);
        using var fast = feed.Subscribe(capacity: 8);
        for (int i = 1; i <= 3; i++) feed.Publish(Stored(i));

        Assert.True(slow.Overflowed);
        Assert.False(fast.Overflowed);
        Assert.Equal(1, feed.Count); // the slow one is no longer fed
        var kept = new List<long>();
        await foreach (var o in slow.Reader.ReadAllAsync()) kept.Add(o.Seq); // completes: the feed let go of it
        Assert.Equal([1, 2], kept);
        Assert.Equal(3, fast.Reader.Count);
    }

    [Fact]
    public void ADisposedSubscriptionLeavesTheFeed()
    {
        var feed = new OrderFeed();
        var s = feed.Subscribe(4);
        Assert.Equal(1, feed.Count);
        s.Dispose();
        Assert.Equal(0, feed.Count);
        feed.Publish(Stored(1));
        Assert.False(s.Overflowed);
    }
}
