using Verity.Chain.Contracts;
using System.Net;
using System.Text;
using System.Threading.Channels;
using Verity.Market.OrderStream.Client;
using Verity.Market.OrderStream.Server;
using Verity.Market.OrderStream.Storage;
using Verity.Market.OrderStream.Validation;
using Verity.Market.OrderStream.Wire;

namespace Verity.Market.Tests.OrderStream;

/// <summary>The order stream end to end over loopback: a real Kestrel server on a SQLite store in a temporary node data
/// dir, the client, and an in-memory chain.</summary>
public sealed class OrderStreamServerTests : IAsyncLifetime
{
    /// <summary>A hang guard only: everything awaited here happens within milliseconds.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private readonly string _dataDir = Directory.CreateTempSubdirectory("verity-orderstream-").FullName;
    private readonly InMemoryMarketState _chain = new();
    private readonly OrderStreamOptions _options = new()
    {
        Listen = "http://127.0.0.1:0",
        Limits = new OrderLimits { MaxInlineInputBytes = 1024 },
        MaxListLimit = 50,
        DefaultListLimit = 10,
    };
    private IOrderStore _store = null!;
    private OrderStreamServer _server = null!;
    private OrderStreamClient _client = null!;

    public async Task InitializeAsync()
    {
        _chain.Deposit(TestOrders.Address(TestOrders.Alice), 10_000_000);
        await StartAsync(_options.Listen);
    }

    private async Task StartAsync(string listen)
    {
        _store = await OrderStores.OpenAsync(_dataDir, postgres: null);
        var validator = new OrderValidator(TestOrders.Domain, _chain, _options.Limits);
        _server = await OrderStreamServer.StartAsync(_options with { Listen = listen }, _store, validator);
        _client?.Dispose();
        _client = new OrderStreamClient(_server.BaseAddress) { MinReconnectDelay = TimeSpan.FromMilliseconds(20), MaxReconnectDelay = TimeSpan.FromMilliseconds(200) };
    }

    /// <summary>Stops the server and closes its store, then starts a new one over the same data dir and port.</summary>
    private async Task RestartAsync()
    {
        string listen = $"http://127.0.0.1:{_server.BaseAddress.Port}";
        await _server.DisposeAsync();
        await _store.DisposeAsync();
        await StartAsync(listen);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    private SignedOrder Order(uint index) => TestOrders.Signed(TestOrders.Alice, index, _chain.Now);

    private async Task<OrderStreamException> Refused(SignedOrder order, int status)
    {
        var e = await Assert.ThrowsAsync<OrderStreamException>(() => _client.SubmitAsync(order));
        Assert.Equal(status, e.StatusCode);
        return e;
    }

    [Fact]
    public async Task AcceptedOrdersAreListedAndFoundByIdAsPosted()
    {
        var a = Order(1);
        var b = Order(2);
        var sa = await _client.SubmitAsync(a);
        var sb = await _client.SubmitAsync(b);
        Assert.Equal(a.Request.Id, sa.RequestId);
        Assert.Equal(TestOrders.Domain.Hash(a.Request), sa.Digest);
        Assert.True(sb.Seq > sa.Seq);

        var listed = await _client.ListAsync();
        Assert.Equal([sa.Seq, sb.Seq], listed.Select(o => o.Seq));
        Assert.Equal(OrderJson.Serialize(a), OrderJson.Serialize(listed[0].Order));
        Assert.Equal(TestOrders.Address(TestOrders.Alice), listed[0].Requestor, ignoreCase: true);
        Assert.Equal((long)a.Request.Offer.Deadline, listed[0].Deadline);
        Assert.Equal([sb.Seq], (await _client.ListAsync(after: sa.Seq)).Select(o => o.Seq));
        Assert.Equal([sa.Seq], (await _client.ListAsync(limit: 1)).Select(o => o.Seq));

        var found = await _client.GetAsync(b.Request.Id);
        Assert.Equal(sb.Digest, Assert.Single(found).Digest);
        Assert.Empty(await _client.GetAsync(a.Request.Id + 100));
    }

    [Fact]
    public async Task SeveralBodiesUnderOneIdAreAllKept()
    {
        var first = Order(5);
        var second = TestOrders.Request(TestOrders.Alice, 5, _chain.Now, maxPrice: 2_000_000);
        await _client.SubmitAsync(first);
        await _client.SubmitAsync(TestOrders.Sign(second, TestOrders.Alice));
        Assert.Equal(2, (await _client.GetAsync(first.Request.Id)).Count);
    }

    [Fact]
    public async Task RefusesAnUnsoundOrderWithAMessageNamingTheProblem()
    {
        var forged = TestOrders.Sign(TestOrders.Request(TestOrders.Alice, 1, _chain.Now), TestOrders.Bob);
        Assert.Contains("not by the requestor", (await Refused(forged, 400)).Message, StringComparison.Ordinal);

        var expired = TestOrders.Signed(TestOrders.Alice, 2, _chain.Now - 5000);
        Assert.StartsWith("offer: expired", (await Refused(expired, 400)).Message, StringComparison.Ordinal);

        var unfunded = TestOrders.Signed(TestOrders.Bob, 3, _chain.Now);
        Assert.Contains("has 0 wei deposited in the market", (await Refused(unfunded, 400)).Message, StringComparison.Ordinal);

        var locked = Order(4);
        _chain.SetStatus(locked.Request.Id, RequestStatus.Locked);
        Assert.EndsWith("is already locked on chain", (await Refused(locked, 400)).Message, StringComparison.Ordinal);

        Assert.Empty(await _client.ListAsync());
    }

    [Fact]
    public async Task ADuplicateIsAConflict()
    {
        var order = Order(1);
        var first = await _client.SubmitAsync(order);
        var e = await Refused(order, 409);
        Assert.Equal($"an order with digest {OrderJson.Hex(first.Digest)} is already in the stream", e.Message);
    }

    [Fact]
    public async Task AnUnreachableChainIs503()
    {
        _chain.Down = true;
        Assert.Contains("cannot be reached", (await Refused(Order(1), 503)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadJsonIs400NamingTheField()
    {
        using var http = new HttpClient();
        var bad = await http.PostAsync(new Uri(_server.BaseAddress, "v1/orders"), new StringContent("{\"id\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("not valid JSON", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        string json = OrderJson.Serialize(Order(1)).Replace("\"maxPrice\":\"1000000\"", "\"maxPrice\":\"1e6\"", StringComparison.Ordinal);
        var field = await http.PostAsync(new Uri(_server.BaseAddress, "v1/orders"), new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, field.StatusCode);
        Assert.Equal("{\"error\":\"offer.maxPrice: not a decimal integer\"}", await field.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnOversizedBodyIs413WithOrWithoutALength()
    {
        long limit = _options.Limits.MaxBodyBytes;
        // A fresh connection each: the server closes one whose body it refused unread.
        using (var http = new HttpClient())
        {
            var r = await http.PostAsync(new Uri(_server.BaseAddress, "v1/orders"), new ByteArrayContent(new byte[limit + 1]));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
            Assert.Equal($"{{\"error\":\"the body is {limit + 1} bytes, more than the limit of {limit}\"}}", await r.Content.ReadAsStringAsync());
        }
        using (var http = new HttpClient())
        {
            // Chunked: no length declared, cut off once it passes the limit.
            var r = await http.PostAsync(new Uri(_server.BaseAddress, "v1/orders"), new ChunkedContent(new byte[limit + 1]));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
            Assert.Contains($"more than the limit of {limit} bytes", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // An inline input over its own limit, in a body under the body limit, is a 400 naming the input.
        var big = TestOrders.Signed(TestOrders.Alice, 9, _chain.Now, input: new byte[1025]);
        Assert.StartsWith("input.data: inline input of 1025 bytes", (await Refused(big, 400)).Message, StringComparison.Ordinal);
    }

    /// <summary>A body sent without a Content-Length (chunked).</summary>
    private sealed class ChunkedContent(byte[] data) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(data).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Theory]
    [InlineData("v1/orders?limit=0")]
    [InlineData("v1/orders?limit=51")]
    [InlineData("v1/orders?after=-1")]
    [InlineData("v1/orders?after=x")]
    [InlineData("v1/orders/0xzz")]
    public async Task RefusesBadQueries(string path)
    {
        using var http = new HttpClient();
        var r = await http.GetAsync(new Uri(_server.BaseAddress, path));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("\"error\"", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthReportsTheLastSeq()
    {
        var s = await _client.SubmitAsync(Order(1));
        using var http = new HttpClient();
        string health = await http.GetStringAsync(new Uri(_server.BaseAddress, "health"));
        Assert.Contains($"\"lastSeq\":{s.Seq}", health, StringComparison.Ordinal);
        Assert.Contains("\"chainId\":\"31337\"", health, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheFeedReplaysThenPushesNewOrdersInSeqOrder()
    {
        var first = await _client.SubmitAsync(Order(1));
        var second = await _client.SubmitAsync(Order(2));
        var received = Channel.CreateUnbounded<OrderRecord>();
        var connected = Channel.CreateUnbounded<string>();
        using var stop = new CancellationTokenSource();
        var subscription = _client.SubscribeAsync(first.Seq, async (o, _) => await received.Writer.WriteAsync(o), stop.Token,
            m => connected.Writer.TryWrite(m));

        Assert.Equal(second.Seq, (await received.Reader.ReadAsync().AsTask().WaitAsync(Guard)).Seq); // replayed
        var third = await _client.SubmitAsync(Order(3));
        var fourth = await _client.SubmitAsync(Order(4));
        Assert.Equal(third.Seq, (await received.Reader.ReadAsync().AsTask().WaitAsync(Guard)).Seq);  // pushed
        var pushed = await received.Reader.ReadAsync().AsTask().WaitAsync(Guard);
        Assert.Equal(fourth.Seq, pushed.Seq);
        Assert.Equal(OrderJson.Serialize(Order(4)), OrderJson.Serialize(pushed.Order));

        await stop.CancelAsync();
        await subscription.WaitAsync(Guard);
        Assert.False(received.Reader.TryRead(out _));
        Assert.Equal("connected", await connected.Reader.ReadAsync().AsTask().WaitAsync(Guard));
    }

    [Fact]
    public async Task ConcurrentPostsReachASubscriberOnceEachInSeqOrder()
    {
        var received = Channel.CreateUnbounded<OrderRecord>();
        using var stop = new CancellationTokenSource();
        var subscription = _client.SubscribeAsync(0, async (o, _) => await received.Writer.WriteAsync(o), stop.Token);
        var posted = await Task.WhenAll(Enumerable.Range(1, 30).Select(i => Task.Run(() => _client.SubmitAsync(Order((uint)i)))));
        var seqs = new List<long>();
        while (seqs.Count < posted.Length) seqs.Add((await received.Reader.ReadAsync().AsTask().WaitAsync(Guard)).Seq);
        Assert.Equal(posted.Select(p => p.Seq).Order(), seqs);
        await stop.CancelAsync();
        await subscription.WaitAsync(Guard);
    }

    [Fact]
    public async Task ARestartedServerKeepsTheOrdersAndContinuesTheSeq()
    {
        var a = await _client.SubmitAsync(Order(1));
        var b = await _client.SubmitAsync(Order(2));
        await RestartAsync();

        Assert.Equal([a.Seq, b.Seq], (await _client.ListAsync()).Select(o => o.Seq));
        await Refused(Order(1), 409); // still known after the restart
        var c = await _client.SubmitAsync(Order(3));
        Assert.True(c.Seq > b.Seq);

        // A new subscriber resumes after what it had seen before the restart.
        var received = Channel.CreateUnbounded<OrderRecord>();
        using var stop = new CancellationTokenSource();
        var subscription = _client.SubscribeAsync(a.Seq, async (o, _) => await received.Writer.WriteAsync(o), stop.Token);
        Assert.Equal(b.Seq, (await received.Reader.ReadAsync().AsTask().WaitAsync(Guard)).Seq);
        Assert.Equal(c.Seq, (await received.Reader.ReadAsync().AsTask().WaitAsync(Guard)).Seq);
        await stop.CancelAsync();
        await subscription.WaitAsync(Guard);
    }

    [Fact]
    public async Task ASubscriberReconnectsAfterARestartWithoutMissingOrRepeatingAnOrder()
    {
        var received = Channel.CreateUnbounded<OrderRecord>();
        var events = Channel.CreateUnbounded<string>();
        using var stop = new CancellationTokenSource();
        var subscription = _client.SubscribeAsync(0, async (o, _) => await received.Writer.WriteAsync(o), stop.Token,
            m => events.Writer.TryWrite(m));
        var a = await _client.SubmitAsync(Order(1));
        Assert.Equal(a.Seq, (await received.Reader.ReadAsync().AsTask().WaitAsync(Guard)).Seq);

        await RestartAsync();
        // Orders accepted while the subscriber is away are replayed when it is back.
        var b = await _client.SubmitAsync(Order(2));
        var c = await _client.SubmitAsync(Order(3));
        Assert.Equal(b.Seq, (await received.Reader.ReadAsync().AsTask().WaitAsync(Guard)).Seq);
        Assert.Equal(c.Seq, (await received.Reader.ReadAsync().AsTask().WaitAsync(Guard)).Seq);
        var d = await _client.SubmitAsync(Order(4));
        Assert.Equal(d.Seq, (await received.Reader.ReadAsync().AsTask().WaitAsync(Guard)).Seq);

        await stop.CancelAsync();
        await subscription.WaitAsync(Guard);
        Assert.False(received.Reader.TryRead(out _));
        var seen = new List<string>();
        while (events.Reader.TryRead(out var e)) seen.Add(e);
        Assert.True(seen.Count(e => e == "connected") >= 2, string.Join(" | ", seen));
        Assert.Contains(seen, e => e.StartsWith("disconnected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASubscriptionTheServerRefusesThrowsItsStatus()
    {
        // A plain GET of the feed is not a WebSocket upgrade: 400 with a message.
        using var http = new HttpClient();
        var r = await http.GetAsync(new Uri(_server.BaseAddress, "v1/orders/ws"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("WebSocket endpoint", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var ws = new System.Net.WebSockets.ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        var uri = new UriBuilder(new Uri(_server.BaseAddress, "v1/orders/ws")) { Scheme = "ws", Query = "after=-3" }.Uri;
        await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => ws.ConnectAsync(uri, CancellationToken.None));
        Assert.Equal(HttpStatusCode.BadRequest, ws.HttpStatusCode);
    }
}
