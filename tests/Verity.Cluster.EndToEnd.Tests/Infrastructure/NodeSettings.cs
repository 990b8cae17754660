using System.Globalization;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Node.Configuration;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The settings every scenario's node starts from: loopback on a free port, fixed secrets, simulated jobs allowed, and
/// short leases checked often, so a lost agent or node is noticed within seconds. In-process nodes take them as
/// <see cref="NodeOptions"/>; `verity node` processes as VERITY_ environment variables (<see cref="Environment"/>).
/// </summary>
public static class NodeSettings
{
    public const string ApiKey = "e2e-api-key-0123456789abcdef";
    public const string AgentToken = "e2e-agent-token-0123456789abcdef";

    /// <summary>
    /// Lease rules with <paramref name="heartbeatTimeout"/> for every type. Agents heartbeat every 2 s (not settable for
    /// the node's embedded agents nor for `verity agent`), so a timeout that a running task must survive is above that.
    /// </summary>
    public static TaskPolicies Policies(TimeSpan heartbeatTimeout, TimeSpan? retryBackoff = null)
    {
        var backoff = retryBackoff ?? TimeSpan.FromMilliseconds(100);
        TaskPolicy With(TaskPolicy p) => p with { HeartbeatTimeout = heartbeatTimeout, RetryBackoff = backoff };
        var defaults = new TaskPolicies();
        return new TaskPolicies { Execute = With(defaults.Execute), Prove = With(defaults.Prove), Finalize = With(defaults.Finalize) };
    }

    public static BrokerOptions Broker(TimeSpan heartbeatTimeout, TimeSpan? retryBackoff = null) => new()
    {
        Policies = Policies(heartbeatTimeout, retryBackoff),
        AllowSimulation = true,
        LeaseCheckInterval = TimeSpan.FromMilliseconds(200),
        // The maintenance loop runs the lifecycle once at start; the tests run it themselves when they want it.
        CleanupInterval = TimeSpan.FromHours(1),
        MaxInputBytes = 1 << 16,
    };

    public static NodeOptions Options(string dataDir, StoreTarget store, int agents, BrokerOptions broker) => store.Apply(new NodeOptions
    {
        DataDir = dataDir,
        Listen = "http://127.0.0.1:0",
        Agents = agents,
        ApiKeys = [ApiKey],
        AgentToken = AgentToken,
        Broker = broker,
    });

    /// <summary>The broker settings and secrets as the node's configuration keys (the rest are `verity node` flags).</summary>
    public static IReadOnlyDictionary<string, string> Environment(BrokerOptions broker)
    {
        var settings = new Dictionary<string, string>
        {
            ["Node:ApiKeys:0"] = ApiKey,
            ["Node:AgentToken"] = AgentToken,
            ["Broker:AllowSimulation"] = broker.AllowSimulation ? "true" : "false",
            ["Broker:LeaseCheckInterval"] = Span(broker.LeaseCheckInterval),
            ["Broker:CleanupInterval"] = Span(broker.CleanupInterval),
            ["Broker:MaxInputBytes"] = broker.MaxInputBytes.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var type in TaskTypes.All)
        {
            var p = broker.Policies.For(type);
            string section = $"Broker:Policies:{type}";
            settings[$"{section}:HeartbeatTimeout"] = Span(p.HeartbeatTimeout);
            settings[$"{section}:MaxDuration"] = Span(p.MaxDuration);
            settings[$"{section}:MaxAttempts"] = p.MaxAttempts.ToString(CultureInfo.InvariantCulture);
            settings[$"{section}:RetryBackoff"] = Span(p.RetryBackoff);
        }
        return settings;
    }

    private static string Span(TimeSpan t) => t.ToString("c", CultureInfo.InvariantCulture);
}
