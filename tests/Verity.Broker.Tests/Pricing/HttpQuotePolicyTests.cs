using System.Numerics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Verity.Broker.Config;
using Verity.Broker.Pricing;

namespace Verity.Broker.Tests.Pricing;

/// <summary>A real loopback Kestrel server playing the operator's quote service.</summary>
public sealed class HttpQuotePolicyTests : IAsyncLifetime
{
    private WebApplication? _app;
    private Uri _base = null!;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _lastBody;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/bid", async (HttpContext c) =>
        {
            _lastBody = await new StreamReader(c.Request.Body).ReadToEndAsync();
            return Results.Text("""{"min_price":"123456789012345678901"}""", "application/json");
        });
        _app.MapPost("/nobid", () => Results.Text("""{"no_bid":"too busy"}""", "application/json"));
        _app.MapPost("/garbage", () => Results.Text("<html>surprise</html>", "text/html"));
        _app.MapPost("/negative", () => Results.Text("""{"min_price":"-5"}""", "application/json"));
        _app.MapPost("/number", () => Results.Text("""{"min_price":5}""", "application/json"));
        _app.MapPost("/both", () => Results.Text("""{"min_price":"5","no_bid":"x"}""", "application/json"));
        _app.MapPost("/error", () => Results.Text("""{"min_price":"5"}""", "application/json", statusCode: 500));
        // Never answers: the handler waits on a task nobody completes (until the test ends).
        _app.MapPost("/hang", async () => { await _never.Task; return Results.Ok(); });
        await _app.StartAsync();
        _base = new Uri(_app.Urls.First());
    }

    public async Task DisposeAsync()
    {
        _never.TrySetResult();
        _http.Dispose();
        if (_app != null) await _app.DisposeAsync();
    }

    private static QuoteRequest Request() => new()
    {
        RequestId = BigInteger.Parse("123456789"), Requestor = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", ImageId = "0x" + new string('a', 64),
        Cycles = 1_234_567, JournalBytes = 32, LockDeadline = 2000, Deadline = 3000, CurrentPrice = 1000, MinPrice = 500, MaxPrice = 5000,
        Collateral = BigInteger.Pow(10, 18), GasCost = 42, FulfillmentType = "lock_and_fulfill", ChainTime = 1500,
    };

    private Task<QuoteResult> Quote(string path, int timeoutMs = 10_000) =>
        new HttpQuotePolicy(_http).QuoteAsync(Request(),
            BrokerConfig.Default with { Market = new MarketConfig { QuoteUrl = new Uri(_base, path), QuoteTimeoutMilliseconds = timeoutMs } },
            CancellationToken.None);

    [Fact]
    public async Task A_bid_is_the_minimum_and_the_request_is_sent_as_documented()
    {
        var result = await Quote("/bid");
        Assert.Equal(BigInteger.Parse("123456789012345678901"), result.MinimumPrice);
        Assert.Null(result.Failure);

        using var doc = JsonDocument.Parse(_lastBody!);
        var r = doc.RootElement;
        Assert.Equal("0x" + new string('0', 57) + "75bcd15", r.GetProperty("request_id").GetString());
        Assert.Equal(1_234_567, r.GetProperty("cycles").GetInt64());
        Assert.Equal("1000000000000000000", r.GetProperty("collateral").GetString());
        Assert.Equal("42", r.GetProperty("gas_cost").GetString());
        Assert.Equal("lock_and_fulfill", r.GetProperty("fulfillment_type").GetString());
        foreach (var key in new[] { "requestor", "image_id", "journal_bytes", "lock_deadline", "deadline", "current_price", "min_price", "max_price", "chain_time" })
            Assert.True(r.TryGetProperty(key, out _), key);
    }

    [Fact]
    public async Task No_bid_is_a_decline_with_the_reason()
    {
        var result = await Quote("/nobid");
        Assert.Equal("too busy", result.NoBid);
        Assert.Null(result.MinimumPrice);
    }

    [Theory]
    [InlineData("/garbage", "not JSON")]
    [InlineData("/negative", "not a decimal string")]
    [InlineData("/number", "not a decimal string")]
    [InlineData("/both", "exactly one")]
    [InlineData("/error", "500")]
    [InlineData("/missing", "404")]
    public async Task A_bad_answer_is_a_failure_naming_it(string path, string expected)
    {
        var result = await Quote(path);
        Assert.Null(result.MinimumPrice);
        Assert.Contains(expected, result.Failure);
    }

    [Fact]
    public async Task No_answer_within_the_timeout_is_a_failure()
    {
        var result = await Quote("/hang", timeoutMs: 200);
        Assert.Contains("did not answer within quote_timeout_ms 200", result.Failure);
    }

    [Fact]
    public async Task An_unreachable_service_is_a_failure()
    {
        var result = await new HttpQuotePolicy(_http).QuoteAsync(Request(),
            BrokerConfig.Default with { Market = new MarketConfig { QuoteUrl = new Uri("http://127.0.0.1:1/quote") } }, CancellationToken.None);
        Assert.NotNull(result.Failure);
        Assert.Contains("127.0.0.1:1", result.Failure);
    }
}
