namespace Verity.Cluster.Agents;

/// <summary>
/// What an agent's workers go through, for whoever watches them: the node feeds its health check with its embedded
/// agents' calls (they are store transactions) and their failed runs (a full disk).
/// </summary>
public interface IAgentMonitor
{
    /// <summary>A call to the broker went through.</summary>
    void CallSucceeded(string agentId);

    /// <summary>A call to the broker failed; the worker retries it.</summary>
    void CallFailed(string agentId, Exception error);

    /// <summary>A task's run failed with an unexpected exception (not a <see cref="Runners.TaskFailedException"/>).</summary>
    void RunFailed(string agentId, Exception error);
}
