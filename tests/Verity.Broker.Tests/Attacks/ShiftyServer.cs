using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Verity.Broker.Tests.Attacks;

/// <summary>
/// A hostile requestor's file server on loopback (real Kestrel): each path answers its n-th GET with the n-th body it
/// was given (the last one from then on), so a prover sees one thing at preflight and another when it proves; a path
/// set to drip sends its headers and then one byte a second, forever.
/// </summary>
public sealed class ShiftyServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, byte[][]> _bodies = new();
    private readonly ConcurrentDictionary<string, int> _hits = new();
    private readonly CancellationTokenSource _stop = new();
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<ShiftyServer> StartAsync()
    {
        var server = new ShiftyServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        server._app = builder.Build();
        server._app.MapGet("/drip/{name}", server.DripAsync);
        server._app.MapGet("/{name}", server.Serve);
        await server._app.StartAsync();
        server.BaseAddress = new Uri(server._app.Urls.First());
        return server;
    }

    /// <summary>Serves <paramref name="bodies"/> at /name, one per GET, the last one from then on.</summary>
    public string Url(string name, params byte[][] bodies)
    {
        _bodies[name] = bodies;
        return new Uri(BaseAddress, name).AbsoluteUri;
    }

    /// <summary>A URL whose answer never ends: headers, then a byte a second.</summary>
    public string DripUrl(string name) => new Uri(BaseAddress, "drip/" + name).AbsoluteUri;

    public int Hits(string name) => _hits.GetValueOrDefault(name);

    private IResult Serve(string name)
    {
        if (!_bodies.TryGetValue(name, out var bodies)) return Results.NotFound();
        int n = _hits.AddOrUpdate(name, 1, (_, h) => h + 1) - 1;
        return Results.Bytes(bodies[Math.Min(n, bodies.Length - 1)], "application/octet-stream");
    }

    private async Task DripAsync(HttpContext context, string name)
    {
        _hits.AddOrUpdate("drip/" + name, 1, (_, h) => h + 1);
        context.Response.ContentType = "application/octet-stream";
        using var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stop.Token);
        try
        {
            while (!both.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(new byte[] { 0x42 }, both.Token);
                await context.Response.Body.FlushAsync(both.Token);
                await Task.Delay(1000, both.Token);
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_app != null) await _app.DisposeAsync();
        _stop.Dispose();
    }
}
