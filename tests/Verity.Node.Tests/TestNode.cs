using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Runners;
using Verity.Cluster.Store.Sqlite;
using Verity.Node.Configuration;
using Verity.Node.Hosting;
using Verity.Node.Tests.TestDoubles;

namespace Verity.Node.Tests;

/// <summary>
/// A real node on 127.0.0.1, port 0, with a temporary data dir, filesystem blobs and the SQLite store, and an
/// HttpClient for it. The one place the tests build a node.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    public const string ApiKey = "test-api-key-0123456789abcdef";
    public const string AgentToken = "test-agent-token-0123456789abcdef";

    private readonly ConcurrentQueue<string> _log;

    private readonly bool _ownsDataDir;

    private TestNode(RunningNode node, ObservedTaskStore store, string dataDir, bool ownsDataDir, ConcurrentQueue<string> log)
    {
        _ownsDataDir = ownsDataDir;
        Node = node;
        Store = store;
        DataDir = dataDir;
        _log = log;
        Blobs = new FileBlobStore(node.Options.BlobDir);
        Client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public RunningNode Node { get; }
    public ObservedTaskStore Store { get; }
    public string DataDir { get; }
    /// <summary>The node's blob directory, read directly to check what was (not) stored.</summary>
    public FileBlobStore Blobs { get; }
    public HttpClient Client { get; }
    public IReadOnlyCollection<string> Log => _log;

    public static string ElfPath => Path.Combine(AppContext.BaseDirectory, "TestData", "sha256.elf");
    public static byte[] Elf => File.ReadAllBytes(ElfPath);

    /// <summary>The options every test node starts from (no embedded agents, small upload limits, fixed secrets).</summary>
    public static NodeOptions BaseOptions(string dataDir) => new()
    {
        DataDir = dataDir,
        Listen = "http://127.0.0.1:0",
        Agents = 0,
        ApiKeys = [ApiKey],
        AgentToken = AgentToken,
        MaxAgentBlobBytes = 1 << 20,
        Broker = new BrokerOptions { MaxInputBytes = 4096, LeaseCheckInterval = TimeSpan.FromMilliseconds(200) },
    };

    public static string NewDataDir() => Path.Combine(Path.GetTempPath(), "verity-node-tests", Guid.NewGuid().ToString("N"));

    public static async Task<TestNode> StartAsync(Func<NodeOptions, NodeOptions>? configure = null, ITaskRunner? runner = null,
        Func<NodeComponents, NodeComponents>? components = null, string? dataDir = null)
    {
        bool ownsDataDir = dataDir == null;
        dataDir ??= NewDataDir();
        var options = BaseOptions(dataDir);
        if (configure != null) options = configure(options);
        ObservedTaskStore? store = null;
        var parts = new NodeComponents
        {
            CreateStore = o => store = CreateStore(o),
            CreateBlobs = NodeComponents.FileBlobs,
            CreateRunner = _ => runner ?? new ScriptedTaskRunner(),
        };
        if (components != null) parts = components(parts);
        var log = new ConcurrentQueue<string>();
        RunningNode node;
        try { node = await NodeHost.StartAsync(options, parts, log.Enqueue); }
        catch when (ownsDataDir)
        {
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
            throw;
        }
        return new TestNode(node, store!, dataDir, ownsDataDir, log);
    }

    /// <summary>The store under test: the in-memory double for now (swap in the SQLite store here).</summary>
    public static ObservedTaskStore CreateStore(NodeOptions options) => new(new SqliteTaskStore(options.SqlitePath, options.Broker.Policies, options.SqliteBusyTimeout));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Node.StopAsync();
        if (!_ownsDataDir) return;
        try { Directory.Delete(DataDir, recursive: true); }
        catch (IOException) { /* best effort: a temp dir */ }
    }

    // ---- REST helpers ----

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, string? apiKey = ApiKey)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (apiKey != null) request.Headers.Add(JobApi.ApiKeyHeader, apiKey);
        return Client.SendAsync(request);
    }

    public static ByteArrayContent Bytes(byte[] data) => new(data) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } };

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        ClusterJson.Deserialize<T>(await response.Content.ReadAsStringAsync());

    public static async Task<string> ErrorOf(HttpResponseMessage response) => (await ReadAsync<ApiError>(response)).Error;

    public async Task<string> UploadImageAsync()
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/images", Bytes(Elf));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await ReadAsync<ImageUploaded>(response)).ImageId;
    }

    public async Task<string> UploadInputAsync(byte[]? input = null)
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/inputs", Bytes(input ?? "abc"u8.ToArray()));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await ReadAsync<InputUploaded>(response)).InputId;
    }

    /// <summary>Uploads the ELF and an input and creates a job; returns its id.</summary>
    public async Task<string> CreateJobAsync(bool executeOnly = false, byte[]? input = null)
    {
        string imageId = await UploadImageAsync();
        string inputId = await UploadInputAsync(input);
        using var response = await SendAsync(HttpMethod.Post, "/v1/jobs",
            Json(ClusterJson.Serialize(new CreateJobRequest { ImageId = imageId, InputId = inputId, ExecuteOnly = executeOnly, SegmentPo2 = 10 })));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await ReadAsync<JobCreated>(response)).JobId;
    }

    public async Task<JobStatusView> StatusAsync(string jobId)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/v1/jobs/{jobId}");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await ReadAsync<JobStatusView>(response);
    }

    // ---- agent helpers ----

    /// <summary>Posts a raw JSON-RPC body; returns the HTTP status and the parsed answer.</summary>
    public async Task<(int Status, JsonElement Body)> RpcAsync(string json, string? token = AgentToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, AgentRpc.Path) { Content = Json(json) };
        if (token != null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Calls one method with named params; returns the result (fails the test on an error).</summary>
    public async Task<JsonElement> CallAsync(string method, object parameters)
    {
        string json = JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 1, method, @params = parameters }, ClusterJson.Options);
        var (status, body) = await RpcAsync(json);
        Assert.True(status == 200, $"{method}: HTTP {status} {body}");
        return body.GetProperty("result");
    }

    /// <summary>A blob proxy request; <paramref name="lease"/> names the task and lease it is for (the proxy requires one).</summary>
    public Task<HttpResponseMessage> BlobAsync(HttpMethod method, string key, byte[]? data = null, string? token = AgentToken, TaskLease? lease = null) =>
        BlobAsync(method, key, data != null ? Bytes(data) : null, token, lease);

    public Task<HttpResponseMessage> BlobAsync(HttpMethod method, string key, HttpContent? content, string? token = AgentToken, TaskLease? lease = null)
    {
        var request = new HttpRequestMessage(method, $"{AgentRpc.BlobPath}/{key}") { Content = content };
        if (token != null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (lease != null)
        {
            request.Headers.Add(AgentRpc.TaskHeader, lease.TaskId);
            request.Headers.Add(AgentRpc.LeaseHeader, lease.LeaseId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return Client.SendAsync(request);
    }

    /// <summary>Claims the next task of one type as agent <paramref name="agentId"/> over RPC (fails the test when there is none).</summary>
    public async Task<ClaimedTask> ClaimAsync(string type, string agentId = "hand/0")
    {
        var claimed = await CallAsync(AgentRpc.GetTask, new { agentId, types = new[] { type } });
        Assert.Equal(JsonValueKind.Object, claimed.ValueKind);
        return claimed.Deserialize<ClaimedTask>(ClusterJson.Options)!;
    }

    /// <summary>A job's task counts of one type, from the status API.</summary>
    public async Task<Cluster.Protocol.TaskProgress> TasksAsync(string jobId, string type) => (await StatusAsync(jobId)).Tasks[type];

    public async Task<int> BlobCountAsync(string prefix)
    {
        int n = 0;
        await foreach (var _ in Blobs.ListAsync(prefix)) n++;
        return n;
    }
}
