namespace Verity.Cluster.Agents;

/// <summary>
/// Logs repeated failures without flooding: a failure is logged when its reason differs from the last one logged or
/// <see cref="Interval"/> has passed since, with the number of failures left out in between; <see cref="Recovered"/>
/// logs once that the failures stopped.
/// </summary>
internal sealed class RateLimitedLog(Action<string>? log, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private string? _lastReason;
    private long _lastLoggedAt = long.MinValue;
    private int _suppressed;
    private int _failures;

    public TimeSpan Interval { get; } = interval;

    /// <summary>Records a failure; logs <paramref name="line"/> unless the same reason was logged less than an interval ago.</summary>
    public void Failure(string reason, string line)
    {
        long now = Environment.TickCount64;
        string? message = null;
        lock (_lock)
        {
            _failures++;
            if (reason == _lastReason && _lastLoggedAt != long.MinValue && now - _lastLoggedAt < (long)Interval.TotalMilliseconds)
            {
                _suppressed++;
            }
            else
            {
                message = _suppressed > 0 ? $"{line} ({_suppressed} similar failure(s) not logged)" : line;
                _lastReason = reason;
                _lastLoggedAt = now;
                _suppressed = 0;
            }
        }
        if (message != null) log?.Invoke(message);
    }

    /// <summary>A call went through: logs the recovery after failures, and starts afresh.</summary>
    public void Recovered(string line)
    {
        int failures;
        lock (_lock)
        {
            failures = _failures;
            _failures = 0;
            _suppressed = 0;
            _lastReason = null;
            _lastLoggedAt = long.MinValue;
        }
        if (failures > 0) log?.Invoke($"{line} after {failures} failure(s)");
    }
}
