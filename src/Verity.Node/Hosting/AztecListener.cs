using Verity.Aztec.Scheduling;
using Verity.Aztec.Server;

namespace Verity.Node.Hosting;

/// <summary>
/// The Aztec proving-broker protocol running beside the node (docs/AZTEC.md): its own Kestrel listener on
/// <c>Node:Aztec:Listen</c>, separate from the REST API because Aztec's clients send no credentials, and the cleanup loop
/// that takes back timed-out jobs and deletes old epochs.
/// </summary>
public sealed class AztecListener : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly BackgroundLoop _cleanup;

    private AztecListener(WebApplication app, Uri address, AztecBroker broker, BackgroundLoop cleanup)
    {
        _app = app;
        Address = address;
        Broker = broker;
        _cleanup = cleanup;
    }

    /// <summary>Where Aztec's prover node and agents reach the endpoint (the bound port when the options asked for 0).</summary>
    public Uri Address { get; }

    public AztecBroker Broker { get; }

    /// <summary>Starts listening and the cleanup loop. The broker's store must be migrated.</summary>
    internal static async Task<AztecListener> StartAsync(AztecBroker broker, ILoggerFactory logs, CancellationToken ct)
    {
        var options = broker.Options;
        if (options.Listen is null) throw new ArgumentException("Node:Aztec:Listen is not set", nameof(broker));
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
        builder.Services.AddSingleton<IHostLifetime, ManualHostLifetime>();
        var app = builder.Build();
        app.Run(AztecEndpoint.Create(broker, log));
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = NodeHost.BoundAddress(app);
        log.LogInformation("aztec: proving-broker protocol on {Address} (job timeout {Timeout} ms, {Attempts} attempts, allow from {Allow})",
            address, options.JobTimeoutMs, options.MaxAttempts, string.Join(", ", options.EffectiveAllowFrom()));
        var cleanup = new BackgroundLoop("aztec cleanup", stop => broker.RunCleanupAsync(m => log.LogInformation("{Message}", m), stop), log);
        return new AztecListener(app, address, broker, cleanup);
    }

    public async ValueTask DisposeAsync()
    {
        await _cleanup.StopAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
