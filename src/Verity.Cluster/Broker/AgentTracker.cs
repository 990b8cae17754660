using System.Collections.Concurrent;

namespace Verity.Cluster.Broker;

/// <summary>
/// When each agent was last heard from, for the live-agents gauge. Agents are stateless and come and go, so an
/// agent not seen for ten windows is forgotten: memory stays bounded by the agents active recently.
/// </summary>
public sealed class AgentTracker
{
    private readonly ConcurrentDictionary<string, long> _lastSeen = new(StringComparer.Ordinal);
    private long _lastPruneTicks = long.MinValue;

    /// <param name="window">An agent seen within this long counts as live.</param>
    public AgentTracker(TimeSpan window)
    {
        if (window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(window), window, "the live window must be positive");
        Window = window;
    }

    public TimeSpan Window { get; }

    /// <summary>How long an agent is remembered after it was last seen.</summary>
    public TimeSpan Retention => Window * 10;

    /// <summary>Agents remembered now (live or not yet forgotten).</summary>
    public int Tracked => _lastSeen.Count;

    /// <summary>Records that <paramref name="agentId"/> talked to the broker at <paramref name="now"/>.</summary>
    public void Seen(string agentId, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        long ticks = now.UtcTicks;
        // Never move an agent's time backwards (concurrent requests may arrive out of order).
        _lastSeen.AddOrUpdate(agentId, static (_, t) => t, static (_, old, t) => Math.Max(old, t), ticks);
        PruneIfDue(ticks);
    }

    /// <summary>
    /// Forgets <paramref name="agentId"/> at once: an agent known to have stopped (an embedded worker that ended) is
    /// not live, however recently it was heard from.
    /// </summary>
    public void Forget(string agentId)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        _lastSeen.TryRemove(agentId, out _);
    }

    /// <summary>Agents seen within <see cref="Window"/> before <paramref name="now"/>.</summary>
    public int LiveCount(DateTimeOffset now) => LiveCount(now, Window);

    /// <summary>Agents seen within <paramref name="window"/> before <paramref name="now"/>.</summary>
    public int LiveCount(DateTimeOffset now, TimeSpan window)
    {
        long ticks = now.UtcTicks;
        PruneIfDue(ticks);
        long since = ticks - window.Ticks;
        int live = 0;
        foreach (var entry in _lastSeen)
            if (entry.Value >= since) live++;
        return live;
    }

    /// <summary>Forgets agents past <see cref="Retention"/>; runs at most once per window so Seen stays cheap.</summary>
    private void PruneIfDue(long nowTicks)
    {
        long last = Interlocked.Read(ref _lastPruneTicks);
        if (last != long.MinValue && nowTicks - last < Window.Ticks) return;
        if (Interlocked.CompareExchange(ref _lastPruneTicks, nowTicks, last) != last) return; // another thread prunes
        long forgetBefore = nowTicks - Retention.Ticks;
        foreach (var entry in _lastSeen)
            if (entry.Value < forgetBefore)
                _lastSeen.TryRemove(entry); // only if not seen again meanwhile
    }
}
