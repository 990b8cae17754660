using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Verity.Cluster.Agents;
using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Store;
using Verity.Cluster.Telemetry;
using Verity.Node.Configuration;

namespace Verity.Node.Hosting;

/// <summary>
/// A started node (<see cref="NodeHost.StartAsync"/>). Stopping is graceful and in order: the embedded agents stop
/// first and hand their tasks back, then the maintenance loop, then Kestrel (in-flight requests finish), then the
/// metrics provider flushes its OTLP export, and last the stores are disposed.
/// </summary>
public sealed class RunningNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ITaskStore _store;
    private readonly IBlobStore _blobs;
    private readonly MeterProvider _metrics;
    private readonly InstanceMeters _meters;
    private readonly BackgroundLoop _maintenance;
    private readonly EmbeddedAgents? _agents;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _log;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _stopLock = new();
    private Task? _stopping;

    internal RunningNode(WebApplication app, Uri baseAddress, NodeOptions options, ProvingBroker broker, JobService jobs,
        ITaskStore store, IBlobStore blobs, InstanceMeters meters, MeterProvider metrics, BackgroundLoop maintenance, EmbeddedAgents? agents,
        ProvingAgent? embeddedAgent, ILoggerFactory loggerFactory, ILogger log)
    {
        _app = app;
        BaseAddress = baseAddress;
        Options = options;
        Broker = broker;
        Jobs = jobs;
        _store = store;
        _blobs = blobs;
        _meters = meters;
        _metrics = metrics;
        _maintenance = maintenance;
        _agents = agents;
        EmbeddedAgent = embeddedAgent;
        _loggerFactory = loggerFactory;
        _log = log;
    }

    /// <summary>
    /// The node's meter factory: a meter made here ("Verity.&lt;Component&gt;") joins this node's /metrics and OTLP
    /// export, and no other node's in the process (docs/METRICS.md).
    /// </summary>
    public IMeterFactory Meters => _meters;

    /// <summary>Where clients and agents reach the node (the real port when the options asked for port 0).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The options in effect, generated secrets included.</summary>
    public NodeOptions Options { get; }

    /// <summary>The first accepted API key (the generated one when none was configured).</summary>
    public string ApiKey => Options.ApiKeys[0];

    /// <summary>The token remote agents present.</summary>
    public string AgentToken => Options.AgentToken!;

    public ProvingBroker Broker { get; }

    public JobService Jobs { get; }

    /// <summary>The Aztec proving-broker endpoint (null unless Node:Aztec:Listen is set).</summary>
    public AztecListener? Aztec { get; internal init; }

    /// <summary>Where Aztec's prover node and agents reach this node (null when the endpoint is off).</summary>
    public Uri? AztecAddress => Aztec?.Address;

    internal Verity.Aztec.Store.AztecJobStore? AztecStore { get; init; }

    /// <summary>The embedded agent (null with Node:Agents = 0).</summary>
    public ProvingAgent? EmbeddedAgent { get; }

    /// <summary>Stops the node; later calls wait for the same stop.</summary>
    public Task StopAsync()
    {
        lock (_stopLock) return _stopping ??= StopCoreAsync();
    }

    /// <summary>Waits until the node stops, stopping it when <paramref name="ct"/> is cancelled (Ctrl+C, SIGTERM).</summary>
    public async Task WaitForShutdownAsync(CancellationToken ct)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (ct.Register(() => cancelled.TrySetResult()).ConfigureAwait(false))
        {
            await Task.WhenAny(_stopped.Task, cancelled.Task).ConfigureAwait(false);
        }
        await StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task StopCoreAsync()
    {
        try
        {
            _log.LogInformation("stopping");
            if (_agents != null) await _agents.StopAsync().ConfigureAwait(false);
            await _maintenance.StopAsync().ConfigureAwait(false);
            if (Aztec != null) await Step("the Aztec endpoint", () => Aztec.DisposeAsync().AsTask()).ConfigureAwait(false);
            await Step("Kestrel", () => _app.StopAsync()).ConfigureAwait(false);
            await Step("the web host", () => _app.DisposeAsync().AsTask()).ConfigureAwait(false);
            await Step("the metrics provider", () => { _metrics.Dispose(); _meters.Dispose(); return Task.CompletedTask; }).ConfigureAwait(false);
            await Step("the task store", () => _store.DisposeAsync().AsTask()).ConfigureAwait(false);
            if (AztecStore != null) await Step("the Aztec job store", () => AztecStore.DisposeAsync().AsTask()).ConfigureAwait(false);
            await Step("the blob store", () => DisposeBlobsAsync(_blobs)).ConfigureAwait(false);
            _log.LogInformation("stopped");
        }
        finally
        {
            _loggerFactory.Dispose();
            _stopped.TrySetResult();
        }
    }

    /// <summary>One stop step; its failure is logged and the rest still run, so the store is always released.</summary>
    private async Task Step(string what, Func<Task> step)
    {
        try { await step().ConfigureAwait(false); }
        catch (Exception e) { _log.LogError(e, "stopping {What} failed", what); }
    }

    internal static async Task DisposeBlobsAsync(IBlobStore? blobs)
    {
        if (blobs is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        else if (blobs is IDisposable disposable) disposable.Dispose();
    }
}
