using Verity.Cluster.Broker;

namespace Verity.Cluster.Tests.Broker;

public sealed class AgentTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    [Fact]
    public void Live_count_covers_agents_seen_within_the_window()
    {
        var agents = new AgentTracker(Window);
        agents.Seen("a", T0);
        agents.Seen("b", T0 + TimeSpan.FromSeconds(20));
        agents.Seen("a", T0 + TimeSpan.FromSeconds(5)); // seen again: counted once

        Assert.Equal(2, agents.LiveCount(T0 + TimeSpan.FromSeconds(30)));
        Assert.Equal(1, agents.LiveCount(T0 + TimeSpan.FromSeconds(40))); // a's last sighting was at 5 s
        Assert.Equal(0, agents.LiveCount(T0 + TimeSpan.FromSeconds(51)));
        Assert.Equal(2, agents.LiveCount(T0 + TimeSpan.FromSeconds(51), TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void A_late_report_does_not_move_an_agent_back_in_time()
    {
        var agents = new AgentTracker(Window);
        agents.Seen("a", T0 + TimeSpan.FromSeconds(60));
        agents.Seen("a", T0); // a slow request that started earlier
        Assert.Equal(1, agents.LiveCount(T0 + TimeSpan.FromSeconds(80)));
    }

    [Fact]
    public void Agents_gone_for_ten_windows_are_forgotten()
    {
        var agents = new AgentTracker(Window);
        for (int i = 0; i < 1000; i++) agents.Seen($"agent-{i}", T0);
        Assert.Equal(1000, agents.Tracked);

        agents.Seen("recent", T0 + Window * 9);
        Assert.Equal(1001, agents.Tracked); // within retention: still remembered

        agents.Seen("new", T0 + Window * 10 + TimeSpan.FromSeconds(1));
        Assert.Equal(2, agents.Tracked);
        Assert.Equal(1, agents.LiveCount(T0 + Window * 10 + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AgentTracker(TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => new AgentTracker(Window).Seen("", T0));
    }
}
