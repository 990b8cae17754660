using Verity.Stark.Air.Parameters;

namespace Verity.Cli.Commands.Soak;

/// <summary>The soak's settings (from `verity bench soak`'s flags; checked by <see cref="Validate"/>).</summary>
internal sealed record SoakSettings
{
    public int Jobs { get; init; } = 10;
    public bool Faults { get; init; }
    /// <summary>"sqlite", "postgres", or both in that order.</summary>
    public IReadOnlyList<string> Stores { get; init; } = ["sqlite"];
    public int Seed { get; init; } = 1;
    /// <summary>Simulated proving (the node's Broker:AllowSimulation): real execute, prove tasks that sleep, unprovable receipts.</summary>
    public bool Simulated { get; init; }
    public int SimulatedTaskMs { get; init; } = 500;
    public int Po2 { get; init; } = 13;
    public string Parameters { get; init; } = StarkParameters.InsecureTest.Name;
    public int EmbeddedAgents { get; init; } = 1;
    public int RemoteAgents { get; init; } = 2;
    /// <summary>Faults per store when drawn at random (default: one per two jobs, at least one of each kind).</summary>
    public int? FaultCount { get; init; }
    /// <summary>An explicit ordered list of faults instead of a random draw (kinds a store lacks are skipped there).</summary>
    public IReadOnlyList<FaultKind>? FaultPlan { get; init; }
    /// <summary>Longest wait after a batch of jobs before the next fault (each wait is drawn in [0, this]).</summary>
    public TimeSpan MaxFaultGap { get; init; } = TimeSpan.FromSeconds(6);
    /// <summary>How long db-lock holds its write lock on node.db.</summary>
    public TimeSpan LockHold { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>The node's heartbeat timeout for every task type (a killed agent's tasks are requeued after it).</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Overall limit per store: jobs not ended by then are lost.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(20);
    /// <summary>Where the soak keeps data dirs and logs (default: a new temporary folder).</summary>
    public string? WorkDir { get; init; }
    /// <summary>Keep the work dir even when every store passed.</summary>
    public bool Keep { get; init; }

    public int FaultsPerStore => FaultCount ?? Math.Max(2, Jobs / 2);

    /// <exception cref="CliException">A value out of range, naming the flag.</exception>
    public void Validate()
    {
        if (Jobs is < 1 or > 10_000) throw new CliException($"--jobs must be in 1..10000, got {Jobs}.");
        if (Po2 is < 4 or > 24) throw new CliException($"--po2 must be in 4..24, got {Po2}.");
        if (EmbeddedAgents is < 0 or > 64) throw new CliException($"--agents must be in 0..64, got {EmbeddedAgents}.");
        if (RemoteAgents is < 0 or > 64) throw new CliException($"--remote-agents must be in 0..64, got {RemoteAgents}.");
        if (EmbeddedAgents + RemoteAgents == 0) throw new CliException("--agents and --remote-agents are both 0: nothing would prove the jobs.");
        if (FaultCount is < 0 or > 1000) throw new CliException($"--fault-count must be in 0..1000, got {FaultCount}.");
        if (SimulatedTaskMs is < 0 or > 600_000) throw new CliException($"--simulated-task-ms must be in 0..600000, got {SimulatedTaskMs}.");
        if (MaxFaultGap < TimeSpan.Zero || MaxFaultGap > TimeSpan.FromHours(1)) throw new CliException($"--fault-gap must be in 0..3600 s, got {MaxFaultGap.TotalSeconds} s.");
        if (LockHold <= TimeSpan.Zero || LockHold > TimeSpan.FromHours(1)) throw new CliException($"--lock-seconds must be in 1..3600, got {LockHold.TotalSeconds}.");
        if (HeartbeatTimeout < TimeSpan.FromSeconds(3)) throw new CliException($"--heartbeat-timeout must be at least 3 s (agents heartbeat every 2 s), got {HeartbeatTimeout.TotalSeconds} s.");
        if (Timeout <= TimeSpan.Zero) throw new CliException($"--timeout must be positive, got {Timeout.TotalSeconds} s.");
        if (Stores.Count == 0 || Stores.Any(s => s is not ("sqlite" or "postgres"))) throw new CliException($"--store must be sqlite, postgres or both.");
        StarkParameters.FromName(Parameters);
    }
}
