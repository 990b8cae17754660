namespace Verity.Broker.Orders;

public enum BatchState
{
    /// <summary>Collecting proved orders.</summary>
    Open,
    /// <summary>Closed: its fulfilment transaction is being sent (maybe several attempts).</summary>
    Submitting,
    /// <summary>Mined with every fill applied.</summary>
    Submitted,
    /// <summary>Gave up after max_submission_attempts; its orders were failed or re-batched.</summary>
    Failed,
}

/// <summary>Fulfilments sent in one transaction (docs/BROKER.md §6).</summary>
public sealed record Batch
{
    public required long Id { get; init; }
    public required BatchState State { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required IReadOnlyList<string> OrderIds { get; init; }
    public int Attempts { get; init; }
    public string? Transaction { get; init; }
    public string? Error { get; init; }
}
