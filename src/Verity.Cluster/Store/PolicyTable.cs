using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>
/// A store's <see cref="TaskPolicies"/> in the units its SQL uses (milliseconds, per type value), and the lease and
/// retry rules both stores apply.
/// </summary>
internal sealed class PolicyTable
{
    private readonly long[] _claimLeaseMs;
    private readonly int[] _maxAttempts;

    public PolicyTable(TaskPolicies policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        Policies = policies;
        var now = DateTimeOffset.UnixEpoch;
        _claimLeaseMs = TaskTypes.All.Select(t => (long)(policies.LeaseExpiry(t, now, now) - now).TotalMilliseconds).ToArray();
        _maxAttempts = TaskTypes.All.Select(t => policies.For(t).MaxAttempts).ToArray();
        foreach (var t in TaskTypes.All)
        {
            var p = policies.For(t);
            if (p.MaxAttempts < 1) throw new ArgumentException($"{t.Name()} tasks: MaxAttempts must be at least 1", nameof(policies));
            if (p.HeartbeatTimeout <= TimeSpan.Zero || p.MaxDuration <= TimeSpan.Zero)
                throw new ArgumentException($"{t.Name()} tasks: HeartbeatTimeout and MaxDuration must be positive", nameof(policies));
            if (p.RetryBackoff < TimeSpan.Zero) throw new ArgumentException($"{t.Name()} tasks: RetryBackoff is negative", nameof(policies));
            if (p.MaxInterruptions < 1) throw new ArgumentException($"{t.Name()} tasks: MaxInterruptions must be at least 1", nameof(policies));
            if (p.MaxRepairs < 0) throw new ArgumentException($"{t.Name()} tasks: MaxRepairs is negative", nameof(policies));
        }
    }

    public TaskPolicies Policies { get; }

    /// <summary>How long a fresh lease on a task of this type lasts (min of heartbeat timeout and max duration).</summary>
    public long ClaimLeaseMs(TaskType type) => _claimLeaseMs[(int)type];

    public int MaxAttempts(TaskType type) => _maxAttempts[(int)type];

    public int MaxInterruptions(TaskType type) => Policies.For(type).MaxInterruptions;

    public int MaxRepairs(TaskType type) => Policies.For(type).MaxRepairs;

    /// <summary>The longest an attempt of this type may hold its lease, counted from the claim.</summary>
    public long MaxDurationMs(TaskType type) => (long)Policies.For(type).MaxDuration.TotalMilliseconds;

    /// <summary>The heartbeat's lease renewal: when a lease renewed at <paramref name="nowMs"/> expires unless the
    /// attempt's max duration (counted from the stored lease start, in SQL) comes first.</summary>
    public long RenewedExpiryMs(TaskType type, long nowMs) => nowMs + (long)Policies.For(type).HeartbeatTimeout.TotalMilliseconds;

    /// <summary>When a lease started at <paramref name="startedMs"/> and renewed at <paramref name="nowMs"/> expires.</summary>
    public long LeaseExpiryMs(TaskType type, long startedMs, long nowMs) =>
        StoreTime.Ms(Policies.LeaseExpiry(type, StoreTime.At(startedMs), StoreTime.At(nowMs)));

    /// <summary>When a task that failed its <paramref name="attempts"/>-th attempt with retry may run again.</summary>
    public long RetryAtMs(TaskType type, int attempts, long nowMs) =>
        nowMs + (long)(Policies.For(type).RetryBackoff.TotalMilliseconds * attempts);

    /// <summary>Whether an error with <paramref name="retry"/> after <paramref name="attempts"/> attempts requeues the task.</summary>
    public bool Retries(TaskType type, int attempts, bool retry) => retry && attempts < MaxAttempts(type);

    /// <summary>The last error of a task whose lease expired: the max duration if that is what ran out, else the heartbeat.</summary>
    public string TimeoutError(TaskType type, long leaseStartedMs, long leaseExpiresMs)
    {
        var p = Policies.For(type);
        bool byDuration = leaseExpiresMs >= leaseStartedMs + (long)p.MaxDuration.TotalMilliseconds;
        return byDuration ? TaskFailureMessages.RanTooLong(p.MaxDuration) : TaskFailureMessages.NoHeartbeat(p.HeartbeatTimeout);
    }
}
