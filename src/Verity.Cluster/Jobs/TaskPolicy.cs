namespace Verity.Cluster.Jobs;

/// <summary>
/// Lease and retry rules for one task type. A lease expires when the agent has not been heard from for
/// <see cref="HeartbeatTimeout"/> or the attempt has run longer than <see cref="MaxDuration"/>; an expired lease
/// counts as an attempt. After <see cref="MaxAttempts"/> attempts the task fails its job.
/// </summary>
public sealed record TaskPolicy
{
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(30);
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Delay before a task that failed with retry = true can be claimed again (times the attempt number).</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many times the node may stop (crash, kill, restart) while one of its embedded agents runs the task: each
    /// stop requeues it without using an attempt; the stop that reaches this number fails the job instead (a guest
    /// that brings the node down must not loop forever).
    /// </summary>
    public int MaxInterruptions { get; init; } = 3;

    /// <summary>
    /// How many times a done task may be run again because a dependent found its output missing or corrupted (a
    /// finalize task that cannot read a proof); one more fails the job naming the task.
    /// </summary>
    public int MaxRepairs { get; init; } = 2;
}

/// <summary>The policy for each task type.</summary>
public sealed record TaskPolicies
{
    public TaskPolicy Execute { get; init; } = new() { MaxDuration = TimeSpan.FromHours(4), MaxAttempts = 2 };
    public TaskPolicy Prove { get; init; } = new() { MaxDuration = TimeSpan.FromMinutes(30), MaxAttempts = 3 };
    public TaskPolicy Finalize { get; init; } = new() { MaxDuration = TimeSpan.FromMinutes(10), MaxAttempts = 3 };

    public TaskPolicy For(TaskType type) => type switch
    {
        TaskType.Execute => Execute,
        TaskType.Prove => Prove,
        TaskType.Finalize => Finalize,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>When a lease taken or renewed at <paramref name="now"/> (first taken at <paramref name="started"/>) expires.</summary>
    public DateTimeOffset LeaseExpiry(TaskType type, DateTimeOffset started, DateTimeOffset now)
    {
        var p = For(type);
        var byHeartbeat = now + p.HeartbeatTimeout;
        var byDuration = started + p.MaxDuration;
        return byHeartbeat < byDuration ? byHeartbeat : byDuration;
    }
}
