using Verity.Cluster.Jobs;

namespace Verity.Cluster.Agents;

/// <summary>Settings of one agent process (or of the node's embedded agents).</summary>
public sealed record AgentOptions
{
    /// <summary>Prefix of the workers' agent ids (each worker is "&lt;name&gt;/&lt;n&gt;"); default host-pid.</summary>
    public string Name { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>The task types this agent takes (allow-list).</summary>
    public IReadOnlyList<TaskType> Types { get; init; } = TaskTypes.All;

    /// <summary>Tasks run at once (one worker each). One per GPU; on a CPU one is best, the prover uses every core.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>How long an idle worker waits before asking again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a running task is heartbeated (well under the lease's heartbeat timeout).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Longest wait between retries of a failed call (node unreachable, store failing). Keep it well under the lease's
    /// heartbeat timeout: a worker holding a finished result heartbeats once per retry.
    /// </summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A failure repeating for the same reason is logged at most once per this interval.</summary>
    public TimeSpan FailureLogInterval { get; init; } = TimeSpan.FromSeconds(30);
}
