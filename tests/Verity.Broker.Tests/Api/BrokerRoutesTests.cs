using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Verity.Broker.Api;
using Verity.Broker.Orders;
using Verity.Broker.Pricing;
using Verity.Broker.Store;
using Verity.Broker.Tests.Store;
using Verity.Chain.Contracts;

namespace Verity.Broker.Tests.Api;

/// <summary>
/// The broker's REST routes over a real SQLite store on a real Kestrel: listing by state, one order with its history and
/// reason meaning, every order of a request, status, drain, and the 4xx/503 answers for bad input or no broker yet.
/// </summary>
public sealed class BrokerRoutesTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"verity-broker-routes-{Guid.NewGuid():N}");
    private SqliteBrokerStore _store = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private IBrokerView? _view;
    private int _drains;

    private sealed class View(IBrokerStore store) : IBrokerView
    {
        public IBrokerStore Store => store;

        public async Task<BrokerStatus> StatusAsync(CancellationToken ct) => new(
            "0x00000000000000000000000000000000000000aa", await store.CountsAsync(ct), await store.EarningsAsync(ct),
            new CommittedWork(1234, 1), Draining: false, ListenOnly: false, new Dictionary<string, int> { ["locker"] = 0 });
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _store = new SqliteBrokerStore(Path.Combine(_dir, "broker.db"));
        await _store.MigrateAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        BrokerRoutes.Map(_app.MapGroup("/v1"), () => _view, () => Interlocked.Increment(ref _drains));
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Before_the_broker_runs_every_route_answers_503()
    {
        foreach (var path in new[] { "/v1/broker/status", "/v1/broker/orders", "/v1/broker/orders/x-y-z", "/v1/broker/requests/0x1" })
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _http.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _http.PostAsync("/v1/broker/drain", null)).StatusCode);
        Assert.Equal(0, _drains);
    }

    [Fact]
    public async Task Orders_are_listed_by_state_and_shown_with_history_and_reason_meaning()
    {
        _view = new View(_store);
        var skipped = TestOrders.New(1, state: OrderState.Skipped) with { Reason = ReasonCodes.DeadlineInfeasible, ReasonDetail = "needs 400 s, 100 s left" };
        var fulfilled = TestOrders.New(2, state: OrderState.Fulfilled) with { Cycles = 9095, EarnedWei = (BigInteger.One << 70) + 1 };
        Assert.True(await _store.InsertOrderAsync(skipped));
        Assert.True(await _store.InsertOrderAsync(fulfilled));
        await _store.AddEventAsync(skipped.Id, new OrderEvent(TestOrders.T0, "skip", "S-019: needs 400 s, 100 s left"));

        var all = await _http.GetFromJsonAsync<JsonElement>("/v1/broker/orders");
        Assert.Equal(2, all.GetArrayLength());
        var onlySkipped = await _http.GetFromJsonAsync<JsonElement>("/v1/broker/orders?state=skipped");
        var one = Assert.Single(onlySkipped.EnumerateArray());
        Assert.Equal(skipped.Id, one.GetProperty("id").GetString());
        Assert.Equal("S-019", one.GetProperty("reason").GetString());
        Assert.Equal(ReasonCodes.Describe("S-019"), one.GetProperty("reason_meaning").GetString());

        var shown = await _http.GetFromJsonAsync<JsonElement>($"/v1/broker/orders/{Uri.EscapeDataString(fulfilled.Id)}");
        Assert.Equal("fulfilled", shown.GetProperty("state").GetString());
        // Amounts past 2^64 survive as decimal strings.
        Assert.Equal(((BigInteger.One << 70) + 1).ToString(), shown.GetProperty("earned_wei").GetString());
        Assert.Equal(9095, shown.GetProperty("cycles").GetInt64());

        var ofRequest = await _http.GetFromJsonAsync<JsonElement>($"/v1/broker/requests/{RequestId.Format(skipped.RequestId)}");
        var history = Assert.Single(ofRequest.EnumerateArray()).GetProperty("history");
        Assert.Equal("S-019: needs 400 s, 100 s left", Assert.Single(history.EnumerateArray()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Status_shows_counts_earnings_and_committed_work()
    {
        _view = new View(_store);
        Assert.True(await _store.InsertOrderAsync(TestOrders.New(3, state: OrderState.Fulfilled) with { EarnedWei = 5 }));
        var status = await _http.GetFromJsonAsync<JsonElement>("/v1/broker/status");
        Assert.Equal(1, status.GetProperty("counts").GetProperty("fulfilled").GetInt32());
        Assert.Equal("5", status.GetProperty("earnings").GetProperty("earned_wei").GetString());
        Assert.Equal(1, status.GetProperty("committed").GetProperty("orders").GetInt32());
    }

    [Fact]
    public async Task Bad_input_is_a_4xx_naming_what_is_wrong()
    {
        _view = new View(_store);
        var badState = await _http.GetAsync("/v1/broker/orders?state=done");
        Assert.Equal(HttpStatusCode.BadRequest, badState.StatusCode);
        var error = (await badState.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
        Assert.Contains("'done' is not an order state", error);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/v1/broker/orders?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/v1/broker/requests/not-an-id")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/v1/broker/orders/0x1-0x2-lock_and_fulfill")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/v1/broker/requests/0x1234")).StatusCode);
    }

    [Fact]
    public async Task Drain_is_accepted_and_reported_once_per_call()
    {
        _view = new View(_store);
        var response = await _http.PostAsync("/v1/broker/drain", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, _drains);
    }
}
