using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Preflight;
using Verity.Broker.Tests.Support;
using Verity.Market.Proving;

namespace Verity.Broker.Tests.Attacks;

/// <summary>
/// A hostile requestor's image or input URL answers its headers and then a byte a second, forever. HttpClient's
/// timeout ends at the headers, so without an overall limit the fetch never ends and holds a preflight slot for good:
/// max_concurrent_preflights such requests stop all pricing. fetch_timeout_secs bounds the whole fetch (S-009).
/// </summary>
public sealed class SlowUrlAttackTests : IAsyncLifetime
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);
    private readonly string _cache = Directory.CreateTempSubdirectory("verity-slow-url-").FullName;
    private readonly HttpClient _http = new();
    private ShiftyServer _server = null!;

    public async Task InitializeAsync() => _server = await ShiftyServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_cache, recursive: true);
    }

    private static MarketConfig Config => new() { FetchTimeoutSeconds = 2, MaxFetchRetries = 1 };

    [Fact]
    public async Task An_image_url_that_never_finishes_is_skipped_with_s009()
    {
        var cache = new ResourceCache(new ResourceFetcher(_http), _cache);
        var request = TestGuests.Request(TestGuests.Path("sha256"), [1, 2, 3], 1000, imageUrl: _server.DripUrl("image"));
        var e = await Assert.ThrowsAsync<ResourceProblem>(() => cache.ImageAsync(request, Config, CancellationToken.None).WaitAsync(HangGuard));
        Assert.Equal(ReasonCodes.FetchFailed, e.Reason);
        Assert.Contains("fetch_timeout_secs", e.Message);
    }

    [Fact]
    public async Task An_input_url_that_never_finishes_is_skipped_with_s009()
    {
        var cache = new ResourceCache(new ResourceFetcher(_http), _cache);
        var request = TestGuests.Request(TestGuests.Path("sha256"), [], 1000);
        request.Input = new Verity.Chain.Contracts.RequestInput { InputType = 1, Data = System.Text.Encoding.UTF8.GetBytes(_server.DripUrl("input")) };
        var e = await Assert.ThrowsAsync<ResourceProblem>(() => cache.InputAsync(request, Config, CancellationToken.None).WaitAsync(HangGuard));
        Assert.Equal(ReasonCodes.FetchFailed, e.Reason);
        Assert.Contains("fetch_timeout_secs", e.Message);
    }
}
