namespace Verity.Cli.Commands.Soak;

/// <summary>
/// What one store's soak found. A job is <b>completed</b> when it succeeded, <b>failed</b> when it failed or was
/// cancelled, <b>lost</b> when it never ended within the timeout or the node stopped knowing it (404 after a restart).
/// A run passes with 0 failed, 0 lost and every completed job's receipt downloaded and verified.
/// </summary>
internal sealed record StoreReport
{
    public required string Store { get; init; }
    public required int Jobs { get; init; }
    public required int Completed { get; init; }
    public required int Failed { get; init; }
    public required int Lost { get; init; }
    public required int ReceiptsVerified { get; init; }
    /// <summary>"proof" (the zkVM verifier accepted it) or "claim-only" (simulated jobs: their receipts prove nothing, only their claim is checked).</summary>
    public required string ReceiptCheck { get; init; }
    /// <summary>Task attempts of all jobs, from the node's job status (each claim counts one).</summary>
    public required int TaskRuns { get; init; }
    /// <summary>Attempts beyond each task's first, summed: the work the faults cost.</summary>
    public required int ExtraTaskRuns { get; init; }
    /// <summary>Faults injected, by kind (agent-kill, node-kill, db-restart, db-lock).</summary>
    public required IReadOnlyDictionary<string, int> Faults { get; init; }
    /// <summary>Child processes that ended without being killed (a node or agent crash or exit), restarted by the soak.</summary>
    public required IReadOnlyDictionary<string, int> UnexpectedExits { get; init; }
    /// <summary>Job creations retried after an error (the first attempt may or may not have created a job).</summary>
    public required int SubmitRetries { get; init; }
    /// <summary>From the start (PostgreSQL and the node included) until every job ended or the timeout; not the receipt checks after.</summary>
    public required double WallSeconds { get; init; }
    /// <summary>The node's /health answer after the jobs ended ("200 ok", "503 …", or why it gave none).</summary>
    public required string FinalHealth { get; init; }
    /// <summary>verity_agents_live at the end (embedded and remote agents heard from recently), when /metrics answered.</summary>
    public required long? FinalAgentsLive { get; init; }
    /// <summary>Agent workers that should be live at the end: the node's embedded ones and one per remote agent.</summary>
    public required int ExpectedAgentsLive { get; init; }
    public required IReadOnlyList<JobProblem> Problems { get; init; }
    /// <summary>What the soak saw that does not decide passing but tells of a defect: /health not 200, agents gone quiet, crashes.</summary>
    public required IReadOnlyList<string> Findings { get; init; }
    /// <summary>Logs of the node, agents and PostgreSQL (kept when the run did not pass or with --keep).</summary>
    public required string? Logs { get; init; }

    public bool Passed => Failed == 0 && Lost == 0 && Completed == Jobs && ReceiptsVerified == Completed;
}

/// <summary>A job that did not end well, and why (state: failed, cancelled, lost, receipt).</summary>
internal sealed record JobProblem(int Index, string? JobId, string Kind, string Detail);

/// <summary>The whole soak: the settings it ran with and each store's report.</summary>
internal sealed record SoakReport
{
    public required string Machine { get; init; }
    public required string Command { get; init; }
    public required int Seed { get; init; }
    public required bool Simulated { get; init; }
    public required int Po2 { get; init; }
    public required string Parameters { get; init; }
    public required int EmbeddedAgents { get; init; }
    public required int RemoteAgents { get; init; }
    public required IReadOnlyList<StoreReport> Runs { get; init; }
    public bool Passed => Runs.Count > 0 && Runs.All(r => r.Passed);
}
