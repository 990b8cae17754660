using System.Collections.Concurrent;
using System.Net;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Verity.Cluster.Jobs;
using Verity.Node.Configuration;
using Verity.Node.Hosting;
using Verity.Node.Tests.TestDoubles;

namespace Verity.Node.Tests;

/// <summary>Starting and stopping a node: bound address, embedded agents, graceful stop, generated secrets, OTLP wiring.</summary>
public sealed class NodeHostTests
{
    [Fact]
    public async Task Port_zero_reports_the_bound_port()
    {
        await using var node = await TestNode.StartAsync();
        Assert.Equal("127.0.0.1", node.Node.BaseAddress.Host);
        Assert.NotEqual(0, node.Node.BaseAddress.Port);
        using var client = new HttpClient();
        using var health = await client.GetAsync(new Uri(node.Node.BaseAddress, "/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(node.Store.Migrated);
    }

    [Fact]
    public async Task Embedded_agents_prove_a_job_end_to_end()
    {
        await using var node = await TestNode.StartAsync(o => o with { Agents = 2 }, new ScriptedTaskRunner { Segments = 3 });
        string jobId = await node.CreateJobAsync();
        var status = await WaitForAsync(node, jobId, s => s.State != JobState.Running);
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(4, status.Tasks["prove"].Done);
        Assert.Equal("cafe", status.JournalHex);

        using var receipt = await node.SendAsync(HttpMethod.Get, $"/v1/jobs/{jobId}/receipt");
        Assert.Equal(ScriptedTaskRunner.ReceiptFor(jobId), await receipt.Content.ReadAsByteArrayAsync());
        Assert.Equal(6, node.Node.EmbeddedAgent!.Completed);
    }

    [Fact]
    public async Task On_start_the_tasks_its_embedded_agents_held_are_requeued_at_once_without_using_an_attempt()
    {
        string dataDir = TestNode.NewDataDir();
        string jobId;
        await using (var first = await TestNode.StartAsync(dataDir: dataDir))
        {
            jobId = await first.CreateJobAsync();
            // The node dies (kill -9) while its embedded agent runs execute: the store still has it Running under that agent.
            var held = await first.Store.ClaimAsync($"{first.Node.Options.EffectiveName}/embedded/0", [TaskType.Execute], DateTimeOffset.UtcNow);
            Assert.NotNull(held);
        }
        try
        {
            await CheckRequeuedAsync(dataDir, jobId);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task CheckRequeuedAsync(string dataDir, string jobId)
    {
        // An hour-long heartbeat timeout: only the requeue on start frees the task within the test.
        await using var second = await TestNode.StartAsync(o => o with
        {
            Agents = 1,
            Broker = o.Broker with { Policies = o.Broker.Policies with { Execute = o.Broker.Policies.Execute with { HeartbeatTimeout = TimeSpan.FromHours(1) } } },
        }, dataDir: dataDir);
        var status = await WaitForAsync(second, jobId, s => s.State != JobState.Running);
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Contains(second.Log, line => line.Contains("requeued 1 task(s) this node's embedded agents held when it stopped"));
        await using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={second.Node.Options.SqlitePath};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT attempts, interruptions FROM tasks WHERE task_id = '{TaskIds.TaskId(jobId, TaskType.Execute, 0)}'";
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        Assert.Equal((1L, 1L), (r.GetInt64(0), r.GetInt64(1)));
    }

    [Fact]
    public async Task Embedded_agents_take_only_their_task_types()
    {
        await using var node = await TestNode.StartAsync(o => o with { Agents = 1, AgentTypes = "execute" });
        string jobId = await node.CreateJobAsync();
        var status = await WaitForAsync(node, jobId, s => s.Tasks["prove"].Ready == 2);
        Assert.Equal(JobState.Running, status.State);
        Assert.Equal(1, status.Tasks["execute"].Done);
        Assert.Equal(0, status.Tasks["prove"].Running);
    }

    [Fact]
    public async Task Stop_hands_running_tasks_back_then_stops_serving_and_releases_the_store()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runner = new ScriptedTaskRunner { ProveGate = gate };
        var node = await TestNode.StartAsync(o => o with { Agents = 1 }, runner);
        try
        {
            string jobId = await node.CreateJobAsync();
            await runner.ProveStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
            var baseAddress = node.Node.BaseAddress;
            IReadOnlyList<TaskCounts>? left = null;
            node.Store.BeforeDispose = async store => left = await store.GetTaskCountsAsync(jobId);

            await node.Node.StopAsync();

            // The store went last; by then the prove task in hand was back to Ready (its lease would take 30 s to
            // expire), the other prove task untouched, and execute done.
            Assert.True(node.Store.Disposed);
            var prove = left!.Single(c => c.Type == TaskType.Prove);
            Assert.Equal(2, prove.Count(TaskState.Ready));
            Assert.Equal(0, prove.Count(TaskState.Running));
            Assert.Equal(1, left!.Single(c => c.Type == TaskType.Execute).Count(TaskState.Done));
            using var client = new HttpClient();
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(baseAddress, "/health")));
            await node.Node.StopAsync(); // a second stop is the same stop
        }
        finally
        {
            gate.TrySetResult();
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Wait_for_shutdown_stops_the_node_when_cancelled()
    {
        await using var node = await TestNode.StartAsync();
        using var cts = new CancellationTokenSource();
        var waiting = node.Node.WaitForShutdownAsync(cts.Token);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        await cts.CancelAsync();
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(node.Store.Disposed);
    }

    [Fact]
    public async Task Without_configured_secrets_the_node_generates_them_once()
    {
        string dataDir = TestNode.NewDataDir();
        Func<NodeOptions, NodeOptions> unset = o => o with { ApiKeys = [], AgentToken = null };
        string apiKey, agentToken;
        await using (var first = await TestNode.StartAsync(unset, dataDir: dataDir))
        {
            apiKey = first.Node.ApiKey;
            agentToken = first.Node.AgentToken;
            Assert.Equal(64, apiKey.Length);
            Assert.NotEqual(apiKey, agentToken);
            using var accepted = await first.SendAsync(HttpMethod.Post, "/v1/inputs", TestNode.Bytes([1]), apiKey);
            Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
            using var refused = await first.SendAsync(HttpMethod.Post, "/v1/inputs", TestNode.Bytes([1]), TestNode.ApiKey);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            var (status, _) = await first.RpcAsync("""{"jsonrpc":"2.0","id":1,"method":"verity_getTask","params":{"agentId":"a"}}""", agentToken);
            Assert.Equal(200, status);
        }
        try
        {
            await using var second = await TestNode.StartAsync(unset, dataDir: dataDir);
            Assert.Equal(apiKey, second.Node.ApiKey);
            Assert.Equal(agentToken, second.Node.AgentToken);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Invalid_options_are_refused_before_anything_starts()
    {
        bool storeBuilt = false;
        var options = TestNode.BaseOptions(TestNode.NewDataDir()) with { Agents = -1, Db = "mysql" };
        var components = new NodeComponents
        {
            CreateStore = o => { storeBuilt = true; return TestNode.CreateStore(o); },
            CreateBlobs = NodeComponents.FileBlobs,
            CreateRunner = _ => new ScriptedTaskRunner(),
        };
        var e = await Assert.ThrowsAsync<NodeConfigurationException>(() => NodeHost.StartAsync(options, components, _ => { }));
        Assert.Contains("Node:Agents must be 0 or more, got -1", e.Errors);
        Assert.Contains("Node:Db must be sqlite or postgres, got 'mysql'", e.Errors);
        Assert.False(storeBuilt);
        Assert.False(Directory.Exists(options.DataDir));
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start_and_releases_the_store()
    {
        await using var first = await TestNode.StartAsync();
        ObservedTaskStore? store = null;
        var components = new NodeComponents
        {
            CreateStore = o => store = TestNode.CreateStore(o),
            CreateBlobs = NodeComponents.FileBlobs,
            CreateRunner = _ => new ScriptedTaskRunner(),
        };
        var options = TestNode.BaseOptions(TestNode.NewDataDir()) with { Listen = first.Node.BaseAddress.ToString().TrimEnd('/') };
        await Assert.ThrowsAnyAsync<IOException>(() => NodeHost.StartAsync(options, components, _ => { }));
        Assert.True(store!.Disposed);
        Directory.Delete(options.DataDir, recursive: true);
    }

    [Fact]
    public async Task Otlp_export_reads_the_provider_that_serves_metrics_and_stops_with_the_node()
    {
        // A recording exporter stands in for the OTLP one on the reader slot the node hands out.
        var export = new RecordingExporter();
        BaseExportingMetricReader? reader = null;
        NodeOptions? seen = null;
        var node = await TestNode.StartAsync(o => o with { OtlpEndpoint = "http://127.0.0.1:4317" },
            components: c => c with { ConfigureOtlp = (o, b) => { seen = o; b.AddReader(reader = new BaseExportingMetricReader(export)); } });
        Assert.Equal("http://127.0.0.1:4317", seen?.OtlpEndpoint);
        await node.CreateJobAsync();
        // One provider: the export carries the node's and the cluster's instruments, the ones /metrics shows.
        Assert.True(reader!.Collect(), "the reader collected");
        Assert.Contains("verity_node_start_time_seconds", export.Names);
        Assert.Contains("verity_jobs_created", export.Names);
        Assert.False(export.ShutDown);
        await node.DisposeAsync();
        Assert.True(export.ShutDown);

        // An exporter that fails to start fails the node's start; the provider is built first, so no store was opened.
        ObservedTaskStore? store = null;
        await Assert.ThrowsAsync<InvalidOperationException>(() => TestNode.StartAsync(o => o with { OtlpEndpoint = "http://127.0.0.1:4317" },
            components: c => c with
            {
                CreateStore = o => store = TestNode.CreateStore(o),
                ConfigureOtlp = (_, _) => throw new InvalidOperationException("collector refused"),
            }));
        Assert.Null(store);

        // Asked to export without an exporter: refuse rather than silently not export.
        var e = await Assert.ThrowsAsync<NodeConfigurationException>(() =>
            TestNode.StartAsync(o => o with { OtlpEndpoint = "http://127.0.0.1:4317" }));
        Assert.Contains("Node:OtlpEndpoint is set", e.Message);
    }

    [Fact]
    public async Task Client_errors_are_logged_but_successful_polls_are_not()
    {
        await using var node = await TestNode.StartAsync();
        for (int i = 0; i < 5; i++) await node.RpcAsync("""{"jsonrpc":"2.0","id":1,"method":"verity_getTask","params":{"agentId":"a"}}""");
        using (await node.SendAsync(HttpMethod.Get, $"/v1/jobs/{TaskIds.NewJobId()}")) { }
        // The line is written as the request ends, which can be just after the client has the response.
        List<string> RequestLines() => node.Log.Where(l => l.Contains("RequestPipeline", StringComparison.Ordinal)).ToList();
        // Waits for the line as long as it takes (a loaded machine can be slow to write it), up to a hang guard.
        var guard = DateTime.UtcNow.AddSeconds(60);
        while (RequestLines().Count == 0 && DateTime.UtcNow < guard) await Task.Delay(20);
        var requestLines = RequestLines();
        Assert.Single(requestLines);
        Assert.Contains("GET /v1/jobs/", requestLines[0]);
        Assert.Contains("-> 404", requestLines[0]);
    }

    private static async Task<Cluster.Protocol.JobStatusView> WaitForAsync(TestNode node, string jobId, Func<Cluster.Protocol.JobStatusView, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60); // a hang guard: the condition is met long before on any machine
        while (true)
        {
            var status = await node.StatusAsync(jobId);
            if (done(status) || DateTime.UtcNow > deadline) return status;
            await Task.Delay(50);
        }
    }

    /// <summary>Records the names of the metrics each export carries, and whether it was shut down.</summary>
    private sealed class RecordingExporter : BaseExporter<Metric>
    {
        private readonly ConcurrentBag<string> _names = [];

        public IReadOnlyCollection<string> Names => _names;
        public bool ShutDown { get; private set; }

        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch) _names.Add(metric.Name);
            return ExportResult.Success;
        }

        protected override bool OnShutdown(int timeoutMilliseconds)
        {
            ShutDown = true;
            return true;
        }
    }
}
