using Verity.Cluster.Agents;
using Verity.Cluster.Agents.Http;
using Verity.Cluster.Jobs;
using Verity.Cluster.Runners;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// An agent the test drives one call at a time over the node's JSON-RPC endpoint (<see cref="HttpBrokerConnection"/>),
/// doing each task's real work through the node's blob proxy; unlike <see cref="ProvingAgent"/> it heartbeats only
/// when told to, so a test can play a slow agent.
/// </summary>
public sealed class ManualAgent(Uri node, string name) : IDisposable
{
    private readonly HttpBrokerConnection _connection = AgentHttp.Create(node, NodeSettings.AgentToken);
    private readonly ZkvmTaskRunner _runner = new();

    public string Name => name;

    public Task<ClaimedTask?> ClaimAsync(params TaskType[] types) => _connection.GetTaskAsync(name, types, CancellationToken.None);

    public Task<HeartbeatReply> HeartbeatAsync(ClaimedTask task, params TaskType[] types) =>
        _connection.HeartbeatAsync(name, task.Lease, 0.5, types, CancellationToken.None);

    /// <summary>Runs the task (the blobs it writes land in the node's store); returns its output JSON.</summary>
    public Task<string> WorkAsync(ClaimedTask task) => _runner.RunAsync(task, _connection.BlobsFor(task), new Progress<double>(), CancellationToken.None);

    /// <summary>Reports success; returns the next task the node hands this agent.</summary>
    public Task<ClaimedTask?> ReportAsync(ClaimedTask task, string output, params TaskType[] types) =>
        _connection.ReportSuccessAsync(name, task.Lease, output, types, CancellationToken.None);

    public void Dispose() => _connection.Dispose();
}
