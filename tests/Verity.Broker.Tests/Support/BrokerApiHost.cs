using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Verity.Broker.Api;

namespace Verity.Broker.Tests.Support;

/// <summary>
/// The broker's REST routes (<see cref="BrokerRoutes"/>, as the node and <c>verity broker</c> map them under /v1) on a
/// loopback port of their own, for tests that read orders the way an operator does.
/// </summary>
public sealed class BrokerApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BrokerApiHost(WebApplication app, Uri address)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = address };
    }

    /// <summary>A client whose base address is the API's root (paths start with v1/broker/…).</summary>
    public HttpClient Client { get; }

    public static async Task<BrokerApiHost> StartAsync(RunningBroker broker)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        BrokerRoutes.Map(app.MapGroup("/v1"), () => broker, () => { });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BrokerApiHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
