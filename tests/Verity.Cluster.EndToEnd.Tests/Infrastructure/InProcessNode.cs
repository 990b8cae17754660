using System.Globalization;
using Verity.Cluster.Blobs;
using Verity.Cluster.Client;
using Verity.Cluster.Store;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A node started in the test process (<see cref="NodeHost"/>, real Kestrel on 127.0.0.1, the real store and
/// filesystem blobs), with a <see cref="NodeClient"/> for its REST API and the task store it runs on.
/// </summary>
public sealed class InProcessNode : IAsyncDisposable
{
    private readonly HttpClient _http;

    private InProcessNode(RunningNode node, ITaskStore store)
    {
        Node = node;
        Store = store;
        _http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Client = new NodeClient(node.BaseAddress, NodeSettings.ApiKey, timeout: TimeSpan.FromSeconds(60));
    }

    public RunningNode Node { get; }

    /// <summary>The task store the node runs on (its own instance).</summary>
    public ITaskStore Store { get; }

    /// <summary>The node's blob store.</summary>
    public IBlobStore Blobs => Node.Broker.Blobs;

    public Uri Url => Node.BaseAddress;

    public NodeClient Client { get; }

    /// <summary>Starts a node with the real components (zkVM runner) unless <paramref name="customize"/> replaces some.</summary>
    public static async Task<InProcessNode> StartAsync(NodeOptions options, Action<string> log, Func<NodeComponents, NodeComponents>? customize = null)
    {
        var components = DefaultComponents.Create();
        if (customize != null) components = customize(components);
        ITaskStore? store = null;
        var create = components.CreateStore;
        components = components with { CreateStore = o => store = create(o) };
        var node = await NodeHost.StartAsync(options, components, log);
        return new InProcessNode(node, store!);
    }

    /// <summary>Every blob key under <paramref name="prefix"/>, sorted.</summary>
    public async Task<IReadOnlyList<string>> BlobKeysAsync(string prefix = "")
    {
        var keys = new List<string>();
        await foreach (var key in Blobs.ListAsync(prefix)) keys.Add(key);
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    /// <summary>The value of one sample of /metrics, e.g. <c>verity_task_timeouts_total{type="prove"}</c>.</summary>
    public Task<double> MetricAsync(string sample) => MetricAsync(sample, absent: null);

    /// <summary>
    /// The value of one sample, or <paramref name="absent"/> when /metrics has none: a histogram's series appears at
    /// its first observation (docs/METRICS.md).
    /// </summary>
    public async Task<double> MetricAsync(string sample, double? absent)
    {
        string text = await _http.GetStringAsync("/metrics");
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
                return double.Parse(line[(sample.Length + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
        return absent ?? throw new InvalidOperationException($"/metrics has no sample {sample}:\n{text}");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        _http.Dispose();
        await Node.StopAsync();
    }
}
