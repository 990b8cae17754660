using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Cluster.Client;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Broker.Tests.Support;

/// <summary>
/// A real node for a test class: SQLite, file blobs, one embedded agent, the REST API on a loopback port. Preflights
/// are execute-only jobs, so the guests run for real (no proving) and take a moment.
/// </summary>
public sealed class NodeFixture : IAsyncLifetime
{
    public const string ApiKey = "broker-tests-key-0123456789abcdef";

    private readonly string _dir = Directory.CreateTempSubdirectory("verity-broker-node-").FullName;
    private RunningNode? _node;
    private NodeClient? _client;

    public Uri NodeUrl => _node!.BaseAddress;
    public string Dir => _dir;

    public async Task InitializeAsync()
    {
        _node = await NodeHost.StartAsync(new NodeOptions
        {
            DataDir = Path.Combine(_dir, "node"), Db = "sqlite", Blobs = "fs", Agents = 1, Listen = "http://127.0.0.1:0", ApiKeys = [ApiKey],
        }, DefaultComponents.Create(), _ => { });
        _client = new NodeClient(_node.BaseAddress, ApiKey);
    }

    /// <summary>A cluster over this node with the given configuration source (a new one each call).</summary>
    public NodeCluster Cluster(BrokerConfigSource? config = null) => new(_client!, config ?? new BrokerConfigSource(BrokerConfig.Default));

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_node != null) { await _node.StopAsync(); await _node.DisposeAsync(); }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
