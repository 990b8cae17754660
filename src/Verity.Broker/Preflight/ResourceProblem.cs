namespace Verity.Broker.Preflight;

/// <summary>A request's image or input cannot be used: the skip code (S-009, S-010, S-023) and why.</summary>
public sealed class ResourceProblem(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
