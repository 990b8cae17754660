using System.Collections.Concurrent;
using Verity.Cluster.Agents;
using Verity.Cluster.Blobs;
using Verity.Cluster.Runners;
using Verity.Cluster.Tests.TestDoubles;

namespace Verity.Cluster.Tests.Agents;

/// <summary>
/// What the agent tests share: a <see cref="ProvingAgent"/> against a scripted broker connection (blobs in a temporary
/// directory), its log, and a run that lasts until the recorded calls say the test has seen what it waits for.
/// </summary>
public abstract class ScriptedAgentTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"verity-agent-tests-{Guid.NewGuid():N}");

    protected ScriptedAgentTests() => Broker = new ScriptedBrokerConnection(new FileBlobStore(_dir));

    protected ScriptedBrokerConnection Broker { get; }

    protected ConcurrentQueue<string> Log { get; } = new();

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs an agent until <paramref name="until"/> holds for the recorded calls, then stops it.</summary>
    protected async Task<ProvingAgent> RunUntilAsync(ITaskRunner runner, AgentOptions options, Func<IReadOnlyList<BrokerCall>, bool> until,
        IAgentMonitor? monitor = null)
    {
        var agent = new ProvingAgent(Broker, () => runner, options, Log.Enqueue, monitor);
        using var cts = new CancellationTokenSource();
        var run = agent.RunAsync(cts.Token);
        try { await Broker.WaitForAsync(until); }
        finally
        {
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(60)); // a hang guard only
        }
        return agent;
    }
}
