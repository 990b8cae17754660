using OpenTelemetry;
using OpenTelemetry.Metrics;
using Verity.Aztec.Metrics;
using Verity.Aztec.Scheduling;
using Verity.Aztec.Store;
using Verity.Cluster.Agents;
using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Cluster.Store;
using Verity.Cluster.Telemetry;
using Verity.Node.Api;
using Verity.Node.Configuration;
using Verity.Node.Metrics;
using Verity.Node.Rpc;

namespace Verity.Node.Hosting;

/// <summary>
/// Starts a node (DESIGN §5): Kestrel serving the client REST API, the agents' JSON-RPC endpoint and blob proxy,
/// /health and /metrics; the broker's maintenance loop; the embedded agents; the OTLP exporter when configured.
/// </summary>
public static class NodeHost
{
    /// <summary>
    /// Validates the options, fills in generated secrets, migrates the store and starts everything. Logs go to
    /// <paramref name="log"/> when given, else to the console.
    /// </summary>
    /// <exception cref="NodeConfigurationException">The options are invalid.</exception>
    public static async Task<RunningNode> StartAsync(NodeOptions options, NodeComponents components, Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(components);
        var errors = NodeConfiguration.Validate(options);
        if (errors.Count > 0) throw new NodeConfigurationException(errors);
        if (options.OtlpEndpoint != null && components.ConfigureOtlp == null)
            throw new NodeConfigurationException([$"Node:OtlpEndpoint is set ({options.OtlpEndpoint}) but this build has no OTLP exporter"]);
        var agentTypes = TaskTypes.ParseList(options.AgentTypes);

        // Clients' private inputs, receipts, the database and the secrets live here: the node's user only.
        PrivateFiles.CreateDirectory(options.DataDir);
        options = NodeSecrets.Apply(options);

        var loggerFactory = CreateLoggerFactory(log);
        var nodeLog = loggerFactory.CreateLogger("Verity.Node");
        // This node's meters: only their instruments reach this node's provider (/metrics and OTLP), however many
        // nodes share the process. A component the node hosts makes its meter here too (docs/METRICS.md).
        var meters = new InstanceMeters();
        MeterProvider? metricsProvider = null;
        IBlobStore? blobs = null;
        ITaskStore? store = null;
        WebApplication? app = null;
        BackgroundLoop? maintenance = null;
        AztecJobStore? aztecStore = null;
        AztecListener? aztec = null;
        try
        {
            var metrics = components.CreateMetrics(options, meters);
            var nodeMetrics = new NodeMetrics(meters, components.Time.GetUtcNow());
            metricsProvider = BuildMetricsProvider(options, components, meters);
            blobs = components.CreateBlobs(options);
            if (options.Db == "sqlite") PrivateFiles.Touch(options.SqlitePath); // SQLite (and its -wal, -shm files) keep the 0600 mode
            store = components.CreateStore(options);
            await store.MigrateAsync(ct).ConfigureAwait(false);

            var broker = new ProvingBroker(store, blobs, metrics, options.Broker, components.Time);
            var jobs = new JobService(store, blobs, metrics, options.Broker, components.Time, broker.WorkAvailable);
            var lifecycle = new JobLifecycle(store, blobs, options.Broker, components.Time);
            // Before this node's embedded agents run: what their previous incarnation held is requeued at once.
            string embeddedAgents = $"{options.EffectiveName}/embedded";
            int requeued = await broker.RequeueTasksOfAgentsAsync(embeddedAgents + "/", ct).ConfigureAwait(false);
            if (requeued > 0) nodeLog.LogWarning("requeued {Count} task(s) this node's embedded agents held when it stopped", requeued);
            var health = new NodeHealth(store, blobs, options.DataDir, options.Agents);
            var metricsLog = loggerFactory.CreateLogger("Verity.Node.Metrics");
            var refresh = new MetricsRefresh(metricsLog);
            var nodeStore = store;
            refresh.Add("the node", ct => MetricsEndpoint.RefreshNodeAsync(nodeStore, metrics, nodeMetrics, health, metricsLog, ct));
            foreach (var extension in components.Extensions) refresh.Add(extension.GetType().Name, extension.RefreshMetricsAsync);

            // Aztec's protocol keeps its jobs in the node's own database, so they share its durability and replicas.
            AztecBroker? aztecBroker = null;
            if (options.Aztec.Listen != null)
            {
                aztecStore = options.Db == "postgres"
                    ? new PostgresAztecJobStore(options.Postgres.ConnectionString!)
                    : new SqliteAztecJobStore(options.SqlitePath, options.SqliteBusyTimeout);
                await aztecStore.MigrateAsync(ct).ConfigureAwait(false);
                aztecBroker = new AztecBroker(aztecStore, options.Aztec, new AztecMetrics(meters), components.Time);
                var counted = aztecBroker; // the Aztec job gauges, read from its store before each scrape
                refresh.Add("the Aztec endpoint", async ct => counted.Metrics.UpdateCounts(await counted.CountsAsync(ct).ConfigureAwait(false)));
            }

            app = BuildApp(options, loggerFactory, components.Extensions, metricsProvider, aztecBroker, () => aztec?.Address, services =>
            {
                services.AddSingleton(options);
                services.AddSingleton(components.Time);
                services.AddSingleton(store);
                services.AddSingleton(blobs);
                services.AddSingleton(metrics);
                services.AddSingleton(nodeMetrics);
                services.AddSingleton(refresh);
                services.AddSingleton(broker);
                services.AddSingleton(jobs);
                services.AddSingleton(lifecycle);
                services.AddSingleton(health);
                services.AddSingleton(components.Extensions);
                services.AddSingleton<RpcDispatcher>();
                services.AddSingleton(new AgentAuthenticator(
                    options.SharedAgentToken ? new SecretMatch([options.AgentToken!]) : null, store as IAgentCredentialStore, components.Time));
            });
            await app.StartAsync(ct).ConfigureAwait(false);
            var baseAddress = BoundAddress(app);
            nodeLog.LogInformation("listening on {Address} (store {Db}, blobs {Blobs}, {Agents} embedded agent worker(s))",
                baseAddress, options.Db, options.Blobs, options.Agents);
            if (aztecBroker != null) aztec = await AztecListener.StartAsync(aztecBroker, loggerFactory, ct).ConfigureAwait(false);

            if (options.OtlpEndpoint != null) nodeLog.LogInformation("exporting metrics to {Endpoint}", options.OtlpEndpoint);

            var maintenanceLog = loggerFactory.CreateLogger("Verity.Node.Maintenance");
            maintenance = new BackgroundLoop("broker maintenance",
                new BrokerMaintenance(broker, lifecycle, m => maintenanceLog.LogInformation("{Message}", m),
                    e => { if (e == null) health.StoreSucceeded(); else health.StoreFailed(e); }).RunAsync, nodeLog);

            ProvingAgent? agent = null;
            EmbeddedAgents? agents = null;
            if (options.Agents > 0)
            {
                var agentLog = loggerFactory.CreateLogger("Verity.Node.Agents");
                var agentOptions = new AgentOptions { Name = embeddedAgents, Types = agentTypes, Concurrency = options.Agents };
                agent = new ProvingAgent(new InProcessBrokerConnection(broker), () => components.CreateRunner(options), agentOptions,
                    m => agentLog.LogInformation("{Message}", m), health);
                var running = agent;
                nodeMetrics.EmbeddedAgentTasks = () => (running.Completed, running.Failed);
                // Supervised: a worker that ends before the node stops is restarted, and /health counts the running ones.
                var supervised = agents = new EmbeddedAgents(agent, options.Agents, metrics.Agents, agentLog, agentOptions.MaxReconnectDelay * 6);
                nodeMetrics.EmbeddedAgentWorkers = () => (supervised.Live, supervised.Restarts);
                health.LiveAgents = () => supervised.Live;
            }

            return new RunningNode(app, baseAddress, options, broker, jobs, store, blobs, meters, metricsProvider, maintenance, agents, agent, loggerFactory, nodeLog)
            {
                Aztec = aztec,
                AztecStore = aztecStore,
            };
        }
        catch
        {
            // Undo what started, in the stop order; the original error is what the caller needs to see.
            if (maintenance != null) await maintenance.StopAsync().ConfigureAwait(false);
            if (aztec != null) await aztec.DisposeAsync().ConfigureAwait(false);
            if (app != null)
            {
                try { await app.StopAsync(CancellationToken.None).ConfigureAwait(false); }
                catch (Exception e) { nodeLog.LogWarning("stopping Kestrel after a failed start: {Error}", e.Message); }
                await app.DisposeAsync().ConfigureAwait(false);
            }
            metricsProvider?.Dispose();
            meters.Dispose();
            if (store != null) await store.DisposeAsync().ConfigureAwait(false);
            if (aztecStore != null) await aztecStore.DisposeAsync().ConfigureAwait(false);
            await RunningNode.DisposeBlobsAsync(blobs).ConfigureAwait(false);
            loggerFactory.Dispose();
            throw;
        }
    }

    /// <summary>The node's one MeterProvider: its meters, read by the /metrics scrape and, when configured, OTLP export.</summary>
    private static MeterProvider BuildMetricsProvider(NodeOptions options, NodeComponents components, InstanceMeters meters)
    {
        var builder = meters.AddTo(Sdk.CreateMeterProviderBuilder()).AddPrometheusScrape();
        if (options.OtlpEndpoint != null) components.ConfigureOtlp!(options, builder);
        return builder.Build();
    }

    private static WebApplication BuildApp(NodeOptions options, ILoggerFactory loggerFactory, IReadOnlyList<INodeExtension> extensions,
        MeterProvider metricsProvider, AztecBroker? aztec, Func<Uri?> aztecAddress, Action<IServiceCollection> register)
    {
        // The empty builder reads no appsettings.json or ASPNETCORE_ variables: the node's configuration is NodeOptions.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Verity.Node", ContentRootPath = options.DataDir });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Every route that reads a body caps it itself (RequestBody) with the limit that fits the route; Kestrel's
            // cap is the largest of those, which also bounds what it drains of a body a route refused unread.
            kestrel.Limits.MaxRequestBodySize = new[]
            {
                options.Broker.MaxImageBytes, options.Broker.MaxInputBytes, options.MaxAgentBlobBytes, AgentRpcEndpoint.MaxRequestBytes, JobRoutes.MaxJobRequestBytes,
            }.Max();
        });
        builder.WebHost.UseUrls(options.Listen);
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton<IHostLifetime, ManualHostLifetime>();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(10));
        register(builder.Services);

        var app = builder.Build();
        app.UseMiddleware<RequestPipeline>();
        app.UseRouting();
        var apiKeys = new SecretMatch(options.ApiKeys);
        JobRoutes.Map(app, apiKeys);
        AgentRpcEndpoint.Map(app);
        BlobProxyRoutes.Map(app);
        AgentAdminRoutes.Map(app, apiKeys);
        foreach (var extension in extensions) extension.Map(app.MapGroup("/v1").AddEndpointFilter(new ApiKeyFilter(apiKeys)));
        if (aztec != null) AztecRoutes.Map(app.MapGroup("/v1/aztec").AddEndpointFilter(new ApiKeyFilter(apiKeys)), aztec, aztecAddress);
        HealthEndpoint.Map(app);
        MetricsEndpoint.Map(app, metricsProvider);
        // "{**path}" rather than the default "{*path:nonfile}", so paths that look like files get the JSON 404 too.
        app.MapFallback("{**path}", (HttpContext http) =>
            ApiResults.Error(StatusCodes.Status404NotFound, $"no route for {http.Request.Method} {http.Request.Path}"));
        return app;
    }

    private static ILoggerFactory CreateLoggerFactory(Action<string>? log) => LoggerFactory.Create(logging =>
    {
        logging.SetMinimumLevel(LogLevel.Information);
        // Kestrel and routing log every request at Information; the pipeline logs the ones worth reading.
        logging.AddFilter("Microsoft", LogLevel.Warning);
        // A failed start is thrown to the caller, which reports it; the host would also log it with its stack trace.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        if (log != null) logging.AddProvider(new ActionLoggerProvider(log));
        else logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-dd HH:mm:ss ";
        });
    });

    /// <summary>The address a local client reaches the node at: the bound port (port 0 resolved), wildcard hosts as loopback.</summary>
    internal static Uri BoundAddress(WebApplication app)
    {
        string url = app.Urls.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no bound address");
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
