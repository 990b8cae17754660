namespace Verity.Aztec.Tests.Harness;

/// <summary>The scenarios of tools/aztec/harness/harness.mjs that run against any broker (restart excepted).</summary>
public static class HarnessScenarios
{
    public static TheoryData<string> All => new()
    {
        "prove",
        "prove-file-store",
        "prove-test-circuit",
        "heartbeat",
        "dead-agent",
        "timeout-attempts",
        "bad-inputs",
        "cancel",
        "reenqueue",
        "duplicate-id",
        "stale-epoch",
        "completed-jobs",
        "gzip",
        "big-body",
        "rpc-errors",
    };
}

/// <summary>
/// The harness tests start brokers and node processes and run job-timeout scenarios: one at a time, so the short job
/// timeouts they use are not starved by each other on a 2-core machine.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HarnessCollection
{
    public const string Name = "Aztec harness";
}
