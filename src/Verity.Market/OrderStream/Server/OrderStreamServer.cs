using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Verity.Market.OrderStream.Storage;
using Verity.Market.OrderStream.Validation;

namespace Verity.Market.OrderStream.Server;

/// <summary>
/// The off-chain order stream (<c>verity order-stream</c>): requestors post signed requests, which are checked
/// (<see cref="OrderValidator"/>) and kept in the store; provers list them or follow the WebSocket feed. Everything
/// lives in the store, so a restarted server over the same store serves the same orders and continues the seq.
/// </summary>
public sealed class OrderStreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping;

    private OrderStreamServer(WebApplication app, CancellationTokenSource stopping, Uri baseAddress)
    {
        _app = app;
        _stopping = stopping;
        BaseAddress = baseAddress;
    }

    /// <summary>Where a local client reaches the server (port 0 resolved, wildcard hosts as loopback).</summary>
    public Uri BaseAddress { get; }

    /// <summary>Starts listening. The store must be migrated (<see cref="OrderStores.OpenAsync"/> does); the server
    /// does not own it or the chain.</summary>
    /// <param name="log">Accepted orders and problems, one line each (null: none).</param>
    /// <param name="time">The clock of created_ms (default: the system's).</param>
    public static async Task<OrderStreamServer> StartAsync(OrderStreamOptions options, IOrderStore store, OrderValidator validator,
        Action<string>? log = null, TimeProvider? time = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(validator);
        if (options.Problem() is { } problem) throw new ArgumentException($"order stream settings: {problem}", nameof(options));
        log ??= _ => { };
        var stopping = new CancellationTokenSource();
        var feed = new OrderFeed();

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Verity.OrderStream" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The POST route caps its body itself (413 before reading); Kestrel's cap is the same, as a backstop.
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxBodyBytes;
        });
        builder.WebHost.UseUrls(options.Listen);
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(10));
        var app = builder.Build();
        app.Use(async (http, next) =>
        {
            try
            {
                await next(http).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MarketStateUnavailableException or OrderStoreException && !http.Response.HasStarted)
            {
                // The chain or the database is down: a retry may pass.
                log($"{http.Request.Method} {http.Request.Path}: {e.Message}");
                await JsonResponses.WriteErrorAsync(http, StatusCodes.Status503ServiceUnavailable, e.Message).ConfigureAwait(false);
            }
        });
        app.UseWebSockets();
        app.UseRouting();
        new OrderRoutes(options, store, validator, feed, time ?? TimeProvider.System, log).Map(app);
        new OrderFeedEndpoint(options, store, feed, stopping.Token).Map(app);
        app.MapFallback("{**path}", (HttpContext http) =>
            JsonResponses.Error(StatusCodes.Status404NotFound, $"no route for {http.Request.Method} {http.Request.Path}"));
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            stopping.Dispose();
            throw;
        }
        var server = new OrderStreamServer(app, stopping, BoundAddress(app));
        log($"order stream listening on {server.BaseAddress} (store {store.Name}, chain {validator.Domain.ChainId}, market {validator.Domain.MarketAddress})");
        return server;
    }

    /// <summary>Closes the WebSocket feeds (1001, "server stopping"), then stops Kestrel.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static Uri BoundAddress(WebApplication app)
    {
        string url = app.Urls.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no bound address");
        var bound = new UriBuilder(url.Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal));
        if (IPAddress.TryParse(bound.Host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
            bound.Host = ip.Equals(IPAddress.Any) ? "127.0.0.1" : "[::1]";
        bound.Path = "/";
        return bound.Uri;
    }
}
