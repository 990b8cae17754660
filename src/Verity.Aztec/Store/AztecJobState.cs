namespace Verity.Aztec.Store;

/// <summary>A stored job's state. Stored as its number; the order matters: settled states come last.</summary>
public enum AztecJobState
{
    /// <summary>Waiting for an agent.</summary>
    Queued = 0,

    /// <summary>An agent holds it and heartbeats.</summary>
    InProgress = 1,

    /// <summary>Settled with a result URI.</summary>
    Fulfilled = 2,

    /// <summary>Settled with a reason: out of attempts, a non-retryable error, or cancelled ("Aborted").</summary>
    Rejected = 3,
}

public static class AztecJobStates
{
    public static bool IsSettled(this AztecJobState state) => state >= AztecJobState.Fulfilled;

    /// <summary>The name shown in status output and metrics.</summary>
    public static string Name(this AztecJobState state) => state switch
    {
        AztecJobState.Queued => "queued",
        AztecJobState.InProgress => "in_progress",
        AztecJobState.Fulfilled => "fulfilled",
        AztecJobState.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
