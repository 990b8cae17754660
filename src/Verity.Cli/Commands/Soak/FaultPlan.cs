namespace Verity.Cli.Commands.Soak;

/// <summary>The faults the soak injects.</summary>
internal enum FaultKind
{
    /// <summary>kill -9 of a remote agent process, and a new agent started in its place.</summary>
    AgentKill,
    /// <summary>kill -9 of the node process, restarted on the same data dir and port.</summary>
    NodeKill,
    /// <summary>pg_ctl restart -m fast or -m immediate (PostgreSQL only).</summary>
    DbRestart,
    /// <summary>Another connection holds BEGIN IMMEDIATE on node.db for a while (SQLite only).</summary>
    DbLock,
}

internal static class FaultKinds
{
    public static readonly IReadOnlyList<FaultKind> All = Enum.GetValues<FaultKind>();

    public static string Name(this FaultKind kind) => kind switch
    {
        FaultKind.AgentKill => "agent-kill",
        FaultKind.NodeKill => "node-kill",
        FaultKind.DbRestart => "db-restart",
        FaultKind.DbLock => "db-lock",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <exception cref="CliException">Not a fault name.</exception>
    public static FaultKind Parse(string name)
    {
        foreach (var kind in All)
            if (kind.Name() == name.Trim()) return kind;
        throw new CliException($"unknown fault '{name}' (known: {string.Join(", ", All.Select(Name))})");
    }

    /// <summary>Whether the fault can be injected on this store with this many remote agents.</summary>
    public static bool AppliesTo(this FaultKind kind, string store, int remoteAgents) => kind switch
    {
        FaultKind.AgentKill => remoteAgents > 0,
        FaultKind.NodeKill => true,
        FaultKind.DbRestart => store == "postgres",
        FaultKind.DbLock => store == "sqlite",
        _ => false,
    };
}

/// <summary>One fault of the schedule: what, and how long after the previous step (a job batch) it is injected.</summary>
internal sealed record PlannedFault(FaultKind Kind, TimeSpan After, string Variant);

/// <summary>
/// The seeded fault schedule of one store's run: the same seed, store and settings give the same faults in the same
/// order with the same gaps (when they land relative to the jobs' progress still depends on the machine's speed).
/// </summary>
internal static class FaultPlan
{
    /// <param name="kinds">An explicit ordered list (--fault-plan), or null to draw <paramref name="count"/> faults.</param>
    public static IReadOnlyList<PlannedFault> Create(int seed, string store, int remoteAgents, int count, IReadOnlyList<FaultKind>? kinds,
        TimeSpan maxGap)
    {
        var random = new Random(HashCode.Combine(seed, store == "postgres" ? 1 : 0));
        var applicable = FaultKinds.All.Where(k => k.AppliesTo(store, remoteAgents)).ToList();
        List<FaultKind> chosen;
        if (kinds != null)
        {
            // An explicit plan names faults that every store may not have: those are left out on that store.
            chosen = kinds.Where(k => k.AppliesTo(store, remoteAgents)).ToList();
        }
        else
        {
            // Every applicable kind at least once (when count allows), then random ones; shuffled.
            chosen = [];
            for (int i = 0; i < count; i++) chosen.Add(i < applicable.Count ? applicable[i] : applicable[random.Next(applicable.Count)]);
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(chosen));
        }
        return chosen.Select(k => new PlannedFault(k, TimeSpan.FromMilliseconds(random.NextDouble() * maxGap.TotalMilliseconds), Variant(k, random))).ToList();
    }

    private static string Variant(FaultKind kind, Random random) => kind switch
    {
        FaultKind.DbRestart => random.Next(2) == 0 ? "fast" : "immediate",
        _ => "",
    };
}
