namespace Verity.Cluster.Agents;

/// <summary>
/// Capped exponential backoff: <see cref="Initial"/>, then twice the previous delay up to the cap, each stretched by up
/// to 25% at random (so agents that lost the node together do not come back in lockstep). <see cref="Reset"/> after a
/// success.
/// </summary>
public sealed class Backoff
{
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(200);

    private readonly TimeSpan _max;
    private TimeSpan _next = Initial;

    /// <param name="max">The longest delay.</param>
    public Backoff(TimeSpan max)
    {
        if (max <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(max), max, "the longest backoff delay must be positive");
        _max = max;
    }

    /// <summary>The delay to wait now; the next one doubles (up to the cap).</summary>
    public TimeSpan Next()
    {
        var delay = _next < _max ? _next : _max;
        _next = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _max.Ticks));
        return delay * (1 + 0.25 * Random.Shared.NextDouble());
    }

    public void Reset() => _next = Initial;
}
