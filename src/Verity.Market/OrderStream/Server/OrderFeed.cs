using System.Threading.Channels;
using Verity.Market.OrderStream.Storage;

namespace Verity.Market.OrderStream.Server;

/// <summary>
/// Hands each newly stored order to every live WebSocket subscriber. Each subscriber has a bounded buffer; one that
/// lets it fill is cut off (<see cref="Subscription.Overflowed"/>) instead of growing without bound. Orders may reach
/// the feed slightly out of seq order (concurrent posts publish after their commits); subscribers fill any gap from
/// the store, which is the source of truth.
/// </summary>
internal sealed class OrderFeed
{
    private readonly object _gate = new();
    private readonly HashSet<Subscription> _subscribers = [];

    public int Count { get { lock (_gate) return _subscribers.Count; } }

    public Subscription Subscribe(int capacity)
    {
        var s = new Subscription(this, capacity);
        lock (_gate) _subscribers.Add(s);
        return s;
    }

    public void Publish(StoredOrder order)
    {
        Subscription[] all;
        lock (_gate) all = [.. _subscribers];
        foreach (var s in all) s.Offer(order);
    }

    private void Remove(Subscription s)
    {
        lock (_gate) _subscribers.Remove(s);
    }

    public sealed class Subscription : IDisposable
    {
        private readonly OrderFeed _feed;
        private readonly Channel<StoredOrder> _channel;

        internal Subscription(OrderFeed feed, int capacity)
        {
            _feed = feed;
            _channel = Channel.CreateBounded<StoredOrder>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: that is the overflow signal
            });
        }

        public ChannelReader<StoredOrder> Reader => _channel.Reader;

        /// <summary>The buffer filled: the reader has taken what was buffered and must be dropped.</summary>
        public bool Overflowed { get; private set; }

        internal void Offer(StoredOrder order)
        {
            if (_channel.Writer.TryWrite(order)) return;
            Overflowed = true;
            _channel.Writer.TryComplete();
            _feed.Remove(this);
        }

        public void Dispose()
        {
            _feed.Remove(this);
            _channel.Writer.TryComplete();
        }
    }
}
