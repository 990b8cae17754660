namespace Verity.Cluster.Broker;

/// <summary>
/// An agent's success report whose output the node does not accept (malformed, out of range, inconsistent with the job,
/// or naming a blob that is not there). The broker fails the task with this message instead of completing it;
/// <see cref="Retry"/> says whether another attempt can help.
/// </summary>
public sealed class TaskOutputException(string message, bool retry = true) : Exception(message)
{
    public bool Retry { get; } = retry;
}
