namespace Verity.Cluster.Jobs;

/// <summary>A job's lifecycle. Succeeded, Failed and Cancelled are terminal.</summary>
public enum JobState
{
    Running = 0,
    Succeeded = 1,
    Failed = 2,
    Cancelled = 3,
}

public static class JobStateNames
{
    public static string Name(this JobState s) => s switch
    {
        JobState.Running => "running",
        JobState.Succeeded => "succeeded",
        JobState.Failed => "failed",
        JobState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static bool IsTerminal(this JobState s) => s != JobState.Running;
}
