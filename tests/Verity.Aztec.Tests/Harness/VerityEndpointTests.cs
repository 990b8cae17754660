using Verity.Aztec.Tests.Infrastructure;
using Verity.Cluster.Tests.Store;

namespace Verity.Aztec.Tests.Harness;

/// <summary>The options Verity's endpoint runs with under the harness: the same job timeout as Aztec's broker.</summary>
internal static class HarnessNode
{
    /// <summary>Verity takes bodies of 64 MiB and more; the harness sends a job and a result this large.</summary>
    public const int BigBodyBytes = 8 << 20;

    public static AztecOptions Configure(AztecOptions options) => options with
    {
        JobTimeoutMs = HarnessRun.JobTimeoutMs,
        PollIntervalMs = HarnessRun.PollIntervalMs,
        MaxAttempts = 3,
    };

    /// <summary>Verity counts a job timeout as an attempt (Aztec 4.1.2 does not).</summary>
    public static readonly string[] Arguments = ["--expect-timeouts-count", "--big-body-bytes", $"{BigBodyBytes}"];
}

/// <summary>A Verity node with the Aztec listener on SQLite, once for the class.</summary>
public sealed class VerityNodeFixture : IAsyncLifetime
{
    private AztecTestNode? _node;

    internal AztecTestNode Node => _node ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _node = await AztecTestNode.StartAsync(configure: HarnessNode.Configure);

    public async Task DisposeAsync()
    {
        if (_node != null) await _node.DisposeAsync();
    }
}

/// <summary>Every harness scenario, with Aztec's own agents and facade, against Verity's endpoint (SQLite).</summary>
[Collection(HarnessCollection.Name)]
public sealed class VerityEndpointTests(VerityNodeFixture fixture) : IClassFixture<VerityNodeFixture>
{
    [Theory]
    [MemberData(nameof(HarnessScenarios.All), MemberType = typeof(HarnessScenarios))]
    public Task Scenario_holds_against_Verity(string scenario) =>
        HarnessRun.RunAsync(fixture.Node.Address, scenario, HarnessNode.Arguments);
}

/// <summary>
/// A Verity node restarted (same store, same port) with jobs queued and in progress: Aztec's agents and facade carry
/// on and every job completes.
/// </summary>
[Collection(HarnessCollection.Name)]
public sealed class VerityRestartTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Aztecs_agents_and_facade_carry_on_across_a_restart_on_SQLite()
    {
        await using var node = await AztecTestNode.StartAsync(configure: HarnessNode.Configure);
        await HarnessRun.RunAsync(node.Address, "restart", HarnessNode.Arguments, node.RestartAsync);
    }

    [Fact]
    public async Task Aztecs_agents_and_facade_carry_on_across_a_restart_on_PostgreSQL()
    {
        string schema = await database.NewSchemaAsync();
        await using var node = await AztecTestNode.StartAsync(schema, HarnessNode.Configure);
        await HarnessRun.RunAsync(node.Address, "restart", HarnessNode.Arguments, node.RestartAsync);
    }
}
