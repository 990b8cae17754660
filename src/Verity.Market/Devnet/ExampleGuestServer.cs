using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Verity.Guests;

namespace Verity.Market.Devnet;

/// <summary>
/// Serves the embedded example guests' ELFs over HTTP on loopback (<c>GET /guests/{name}.elf</c>): the image URLs of
/// the devnet's requests, which the provers fetch like any other image.
/// </summary>
public sealed class ExampleGuestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ExampleGuestServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>guest name → its URL.</summary>
    public IReadOnlyDictionary<string, string> ImageUrls =>
        ExampleGuests.All.ToDictionary(g => g.Name, g => new Uri(BaseAddress, $"guests/{g.FileName}").ToString());

    /// <summary>Starts on 127.0.0.1 at <paramref name="port"/> (0: a free one).</summary>
    public static async Task<ExampleGuestServer> StartAsync(int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Verity.DevnetGuests" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.AddServerHeader = false);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        var app = builder.Build();
        app.UseRouting();
        var elfs = ExampleGuests.All.ToDictionary(g => g.FileName, g => g.Elf);
        app.MapGet("/guests/{file}", (string file) => elfs.TryGetValue(file, out var elf)
            ? Results.Bytes(elf, "application/octet-stream")
            : Results.NotFound($"no example guest '{file}'; served: {string.Join(", ", elfs.Keys)}"));
        try { await app.StartAsync(ct).ConfigureAwait(false); }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var bound = new UriBuilder(app.Urls.First()) { Path = "/" };
        return new ExampleGuestServer(app, bound.Uri);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
