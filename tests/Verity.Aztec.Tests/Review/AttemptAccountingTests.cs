using Verity.Aztec.Protocol;
using Verity.Aztec.Tests.Infrastructure;
using Verity.Cluster.Tests.Store;

namespace Verity.Aztec.Tests.Review;

/// <summary>
/// Review R1: sequences in which Verity counts attempts a job did not spend, so a job is rejected (and the prover
/// node's epoch lost) while Aztec's own broker would have finished it. Timeouts counting as attempts is Verity's
/// deliberate difference (issue 14); these tests are about timeouts counted twice or counted for the broker's own
/// absence.
/// </summary>
public abstract class AttemptAccountingTests
{
    private const int ParityBase = (int)ProvingRequestType.PARITY_BASE;
    private static readonly TimeSpan PastTheTimeout = TimeSpan.FromMinutes(2); // the default job timeout is 30 s

    private protected abstract Task<AztecTestNode> StartAsync(Func<AztecOptions, AztecOptions>? configure = null);

    /// <summary>
    /// Agent A's job times out (attempt 1 counted), then A reports the failure it was busy with, retry=true: that is
    /// the same attempt, yet it is counted again. One more failure (agent B's, the second real attempt) then rejects a
    /// job that was allowed three. Aztec's broker counts this sequence as one retry.
    /// </summary>
    [Fact]
    public async Task A_timed_out_attempt_reported_as_failed_later_is_counted_once()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        const string id = "1:PARITY_BASE:t";
        await rpc.EnqueueAsync(AztecRpc.Job(id, ParityBase, 1));
        Assert.Equal(id, (await rpc.TakeAsync())!.Value.Id);                          // agent A, attempt 1

        node.Clock.Advance(PastTheTimeout);
        await node.Node.Aztec!.Broker.CleanupAsync();                                   // attempt 1 timed out
        Assert.Equal("in-queue", (string)(await rpc.StatusAsync(id))["status"]!);
        await rpc.CallAsync("reportProvingJobError", id, "A: out of memory", true);     // A's late report of attempt 1

        Assert.Equal(id, (await rpc.TakeAsync())!.Value.Id);                          // agent B, attempt 2
        await rpc.CallAsync("reportProvingJobError", id, "B: transient", true);

        // Two attempts spent of three: the job must be back in the queue for its third.
        Assert.Equal("in-queue", (string)(await rpc.StatusAsync(id))["status"]!);
    }

    /// <summary>
    /// A node that is down longer than the job timeout (an upgrade, a host reboot) while its agents keep proving: on
    /// start the first cleanup pass runs before any agent can heartbeat, so every running job loses an attempt to the
    /// broker's own absence; three such outages during one long proof reject it though its agent never failed.
    /// Aztec's broker restarts with no attempts counted and lets the agents' heartbeats reclaim their jobs.
    /// </summary>
    [Fact]
    public async Task Node_outages_longer_than_the_timeout_do_not_spend_the_attempts_of_jobs_whose_agents_kept_working()
    {
        await using var node = await StartAsync();
        const string id = "1:PARITY_BASE:r";
        await node.Rpc.EnqueueAsync(AztecRpc.Job(id, ParityBase, 1));
        long startedAt = (await node.Rpc.TakeAsync())!.Value.Time;

        for (int outage = 0; outage < 3; outage++)
        {
            await node.Node.StopAsync();
            node.Clock.Advance(PastTheTimeout);                 // the node is down; the agent keeps proving
            await node.RestartAsync();
            await node.Node.Aztec!.Broker.CleanupAsync();       // the pass the node runs on start
            // The agent reaches the node again and heartbeats its job.
            Assert.Null(await node.Rpc.CallAsync("reportProvingJobProgress", id, startedAt));
        }
        Assert.Equal("in-progress", (string)(await node.Rpc.StatusAsync(id))["status"]!);
    }
}

public sealed class SqliteAttemptAccountingTests : AttemptAccountingTests
{
    private protected override Task<AztecTestNode> StartAsync(Func<AztecOptions, AztecOptions>? configure = null) =>
        AztecTestNode.StartAsync(null, configure);
}

public sealed class PostgresAttemptAccountingTests(PostgresDatabaseFixture database) : AttemptAccountingTests, IClassFixture<PostgresDatabaseFixture>
{
    private protected override async Task<AztecTestNode> StartAsync(Func<AztecOptions, AztecOptions>? configure = null) =>
        await AztecTestNode.StartAsync(await database.NewSchemaAsync(), configure);

    /// <summary>
    /// Two replicas on one database, one of whose clocks runs ahead by more than the job timeout (a VM restored from a
    /// snapshot, NTP not yet synced): its cleanup pass judges the heartbeats written by the other replica with its own
    /// clock and times out every running job on each pass, so a healthy job is rejected within three passes.
    /// </summary>
    [Fact]
    public async Task A_replica_whose_clock_runs_ahead_does_not_time_out_jobs_heartbeated_through_the_other()
    {
        string schema = await database.NewSchemaAsync();
        await using var a = await AztecTestNode.StartAsync(schema);
        await using var b = await AztecTestNode.StartAsync(schema);
        const string id = "1:PARITY_BASE:c";
        await a.Rpc.EnqueueAsync(AztecRpc.Job(id, 16, 1));
        long startedAt = (await a.Rpc.TakeAsync())!.Value.Time;

        b.Clock.Advance(TimeSpan.FromMinutes(2));
        for (int pass = 0; pass < 3; pass++)
        {
            Assert.Null(await a.Rpc.CallAsync("reportProvingJobProgress", id, startedAt)); // heartbeat through A
            await b.Node.Aztec!.Broker.CleanupAsync();                                    // B's pass, just after
        }
        Assert.NotEqual("rejected", (string)(await a.Rpc.StatusAsync(id))["status"]!);
    }
}
