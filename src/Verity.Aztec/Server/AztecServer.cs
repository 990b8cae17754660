using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Verity.Aztec.Protocol;
using Verity.Aztec.Scheduling;

namespace Verity.Aztec.Server;

/// <summary>
/// The Aztec endpoint running: its own Kestrel listener on <see cref="AztecOptions.Listen"/> (separate from the node's
/// REST API, since Aztec's clients send no credentials and belong on a private network) and the cleanup loop that
/// takes back timed-out jobs and deletes old epochs.
/// </summary>
public sealed class AztecServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop;
    private readonly Task _cleanup;

    private AztecServer(WebApplication app, Uri address, AztecBroker broker, CancellationTokenSource stop, Task cleanup)
    {
        _app = app;
        Address = address;
        Broker = broker;
        _stop = stop;
        _cleanup = cleanup;
    }

    /// <summary>Where Aztec's prover node and agents reach the endpoint (the bound port when the options asked for 0).</summary>
    public Uri Address { get; }

    public AztecBroker Broker { get; }

    /// <summary>Starts listening and the cleanup loop. The store must be migrated.</summary>
    public static async Task<AztecServer> StartAsync(AztecBroker broker, AztecOptions options, ILoggerFactory logs, CancellationToken ct = default)
    {
        if (options.Listen is null) throw new ArgumentException("Node:Aztec:Listen is not set", nameof(options));
        var log = logs.CreateLogger("Verity.Aztec");
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Verity.Aztec" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes; // compressed; the endpoint also bounds what gzip expands to
        });
        builder.WebHost.UseUrls(options.Listen);
        builder.Services.AddSingleton(logs);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        var app = builder.Build();
        var endpoint = new AztecHttpEndpoint(new AztecRpcDispatcher(broker, broker.Metrics, log), options,
            async token => await broker.GetStatusAsync("", token).ConfigureAwait(false), log);
        app.Run(endpoint.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = BoundAddress(app);
        log.LogInformation("aztec: proving-broker protocol on {Address} (job timeout {Timeout} ms, {Attempts} attempts, allow from {Allow})",
            address, options.JobTimeoutMs, options.MaxAttempts, string.Join(", ", options.EffectiveAllowFrom()));

        var stop = new CancellationTokenSource();
        var cleanup = Task.Run(() => broker.RunCleanupAsync(m => log.LogInformation("{Message}", m), stop.Token), CancellationToken.None);
        return new AztecServer(app, address, broker, stop, cleanup);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _cleanup.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private static Uri BoundAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        string url = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no bound address");
        var bound = new UriBuilder(url.Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal));
        bound.Host = bound.Host switch
        {
            "0.0.0.0" => "127.0.0.1",
            "[::]" or "::" => "[::1]",
            var h => h,
        };
        bound.Path = "/";
        return bound.Uri;
    }
}
