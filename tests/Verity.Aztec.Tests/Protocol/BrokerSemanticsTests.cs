using System.Text.Json.Nodes;
using Verity.Aztec.Protocol;
using Verity.Aztec.Tests.Infrastructure;
using Verity.Cluster.Tests.Store;

namespace Verity.Aztec.Tests.Protocol;

/// <summary>
/// The eight methods' semantics at the protocol level, on a real node over HTTP, once per store (SQLite and
/// PostgreSQL): each test names the method whose rule it checks. Aztec's own classes drive the same rules in the
/// harness tests; these say which method broke.
/// </summary>
public abstract class BrokerSemanticsTests
{
    private const int ParityBase = (int)ProvingRequestType.PARITY_BASE;
    private const int ParityRoot = (int)ProvingRequestType.PARITY_ROOT;
    private const int RootRollup = (int)ProvingRequestType.ROOT_ROLLUP;
    private const int TxMerge = (int)ProvingRequestType.TX_MERGE_ROLLUP;
    private const int PublicVm = (int)ProvingRequestType.PUBLIC_VM;

    private protected abstract Task<AztecTestNode> StartAsync(Func<AztecOptions, AztecOptions>? configure = null);

    [Fact]
    public async Task EnqueueProvingJob_returns_the_status_before_the_call_and_refuses_other_contents_under_a_known_id()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        Assert.Equal("not-found", await rpc.EnqueueAsync(AztecRpc.Job("1:PARITY_BASE:aa", ParityBase, 1)));
        Assert.Equal("in-queue", await rpc.EnqueueAsync(AztecRpc.Job("1:PARITY_BASE:aa", ParityBase, 1)));
        Assert.Equal("in-queue", (string)(await rpc.StatusAsync("1:PARITY_BASE:aa"))["status"]!);

        var (code, message) = await rpc.ErrorAsync("enqueueProvingJob", AztecRpc.Job("1:PARITY_BASE:aa", ParityBase, 1, "data:other"));
        Assert.Equal(RpcError.CallFailed, code);
        Assert.Contains("Duplicate proving job ID", message);
        (code, _) = await rpc.ErrorAsync("enqueueProvingJob", AztecRpc.Job("1:PARITY_BASE:aa", ParityRoot, 1));
        Assert.Equal(RpcError.CallFailed, code);
        // The refused enqueue changed nothing.
        var taken = await rpc.TakeAsync();
        Assert.Equal("1:PARITY_BASE:aa", taken!.Value.Id);
        Assert.Null(await rpc.TakeAsync());
    }

    [Fact]
    public async Task EnqueueProvingJob_refuses_an_epoch_older_than_the_newest_minus_one()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("5:a", ParityBase, 5));
        await rpc.EnqueueAsync(AztecRpc.Job("4:a", ParityBase, 4)); // newest minus one is kept
        var (code, message) = await rpc.ErrorAsync("enqueueProvingJob", AztecRpc.Job("3:a", ParityBase, 3));
        Assert.Equal(RpcError.CallFailed, code);
        Assert.Contains("Epoch too old", message);
        Assert.Equal("not-found", (string)(await rpc.StatusAsync("3:a"))["status"]!);
    }

    [Fact]
    public async Task GetProvingJob_follows_the_type_order_then_the_lower_epoch_and_the_allow_list()
    {
        await using var node = await StartAsync(o => o with { EpochsToKeep = 10 });
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("base-2", ParityBase, 2));
        await rpc.EnqueueAsync(AztecRpc.Job("base-1", ParityBase, 1));
        await rpc.EnqueueAsync(AztecRpc.Job("merge-3", TxMerge, 3));
        await rpc.EnqueueAsync(AztecRpc.Job("root-4", RootRollup, 4));
        await rpc.EnqueueAsync(AztecRpc.Job("vm-1", PublicVm, 1));

        Assert.Equal("vm-1", (await rpc.TakeAsync(PublicVm, ParityBase))!.Value.Id); // PUBLIC_VM ranks before PARITY_BASE
        Assert.Null(await rpc.TakeAsync(ParityRoot));
        Assert.Equal("root-4", (await rpc.TakeAsync())!.Value.Id); // type beats epoch
        Assert.Equal("merge-3", (await rpc.TakeAsync())!.Value.Id);
        Assert.Equal("base-1", (await rpc.TakeAsync())!.Value.Id);
        Assert.Equal("base-2", (await rpc.TakeAsync())!.Value.Id);
        Assert.Null(await rpc.TakeAsync());
        Assert.Equal("in-progress", (string)(await rpc.StatusAsync("base-2"))["status"]!);
    }

    [Fact]
    public async Task ReportProvingJobProgress_keeps_the_job_of_the_earlier_start_and_sends_a_later_one_elsewhere()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("a", ParityBase, 1));
        await rpc.EnqueueAsync(AztecRpc.Job("b", ParityBase, 1));
        var (first, time) = (await rpc.TakeAsync())!.Value;

        // The holder's heartbeat: keep going (no result).
        Assert.Null(await rpc.CallAsync("reportProvingJobProgress", first, time, new { allowList = Array.Empty<int>() }));
        // An agent that started the same job later is given another job, never the one it reported.
        var other = AztecRpc.Offer(await rpc.CallAsync("reportProvingJobProgress", first, time + 1000));
        Assert.NotNull(other);
        Assert.NotEqual(first, other!.Value.Id);
        // An earlier start takes the job over.
        Assert.Null(await rpc.CallAsync("reportProvingJobProgress", first, time - 1000));
        // Nothing else waits: a later starter of a held job gets nothing.
        Assert.Null(await rpc.CallAsync("reportProvingJobProgress", first, time + 5000));
        // Unknown and settled jobs are answered with the next job (none left here).
        Assert.Null(await rpc.CallAsync("reportProvingJobProgress", "no-such-job", time));
    }

    [Fact]
    public async Task ReportProvingJobSuccess_settles_once_and_notifies_getCompletedJobs_once()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("a", ParityBase, 1));
        await rpc.EnqueueAsync(AztecRpc.Job("b", ParityRoot, 1));
        var (id, _) = (await rpc.TakeAsync(ParityBase))!.Value;

        // The report hands out the next job for the filter (none here: b is PARITY_ROOT).
        Assert.Null(await rpc.CallAsync("reportProvingJobSuccess", id, "data:first", new { allowList = new[] { ParityBase } }));
        var status = await rpc.StatusAsync(id);
        Assert.Equal("fulfilled", (string)status["status"]!);
        Assert.Equal("data:first", (string)status["value"]!);

        // A later result for the settled job is acknowledged and changes nothing; it gets the next job.
        var next = AztecRpc.Offer(await rpc.CallAsync("reportProvingJobSuccess", id, "data:second"));
        Assert.Equal("b", next!.Value.Id);
        Assert.Equal("data:first", (string)(await rpc.StatusAsync(id))["value"]!);

        Assert.Equal(["a"], await rpc.CompletedAsync("b"));
        Assert.Empty(await rpc.CompletedAsync()); // each notification once
        Assert.Equal(["a"], await rpc.CompletedAsync("a", "b", "nope")); // settled among the ids

        // Enqueuing the finished job again answers with its result.
        var again = await rpc.CallAsync("enqueueProvingJob", AztecRpc.Job("a", ParityBase, 1));
        Assert.Equal("fulfilled", (string)again!["status"]!);
        Assert.Equal("data:first", (string)again["value"]!);
    }

    [Fact]
    public async Task ReportProvingJobError_retries_up_to_three_attempts_then_rejects_with_the_last_error()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("a", ParityBase, 1));
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            var (id, _) = (await rpc.TakeAsync())!.Value;
            Assert.Equal("a", id);
            // The failed job is not handed straight back to the agent that failed it.
            Assert.Null(await rpc.CallAsync("reportProvingJobError", id, $"bad inputs {attempt}", true));
            string expected = attempt < 3 ? "in-queue" : "rejected";
            Assert.Equal(expected, (string)(await rpc.StatusAsync("a"))["status"]!);
        }
        Assert.Equal("bad inputs 3", (string)(await rpc.StatusAsync("a"))["reason"]!);
        Assert.Null(await rpc.TakeAsync());

        // Without retry, the first error rejects.
        await rpc.EnqueueAsync(AztecRpc.Job("b", ParityBase, 1));
        await rpc.TakeAsync();
        await rpc.CallAsync("reportProvingJobError", "b", "circuit failed", false);
        var status = await rpc.StatusAsync("b");
        Assert.Equal("rejected", (string)status["status"]!);
        Assert.Equal("circuit failed", (string)status["reason"]!);
    }

    [Fact]
    public async Task ReportProvingJobError_on_retry_hands_out_another_waiting_job_before_requeueing()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("a", ParityBase, 1));
        var (id, _) = (await rpc.TakeAsync())!.Value;
        await rpc.EnqueueAsync(AztecRpc.Job("b", ParityBase, 1));
        var next = AztecRpc.Offer(await rpc.CallAsync("reportProvingJobError", id, "oom", true));
        Assert.Equal("b", next!.Value.Id);
        Assert.Equal("in-queue", (string)(await rpc.StatusAsync("a"))["status"]!);
    }

    [Fact]
    public async Task CancelProvingJob_rejects_an_unsettled_job_as_Aborted_and_leaves_a_settled_one()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("a", ParityBase, 1));
        await rpc.EnqueueAsync(AztecRpc.Job("b", ParityBase, 1));
        Assert.Null(await rpc.CallAsync("cancelProvingJob", "a"));
        var status = await rpc.StatusAsync("a");
        Assert.Equal("rejected", (string)status["status"]!);
        Assert.Equal("Aborted", (string)status["reason"]!);
        Assert.Equal("b", (await rpc.TakeAsync())!.Value.Id); // the cancelled job is never handed out
        await rpc.CallAsync("reportProvingJobSuccess", "b", "data:proof");
        await rpc.CallAsync("cancelProvingJob", "b");
        Assert.Equal("fulfilled", (string)(await rpc.StatusAsync("b"))["status"]!);
        Assert.Null(await rpc.CallAsync("cancelProvingJob", "unknown")); // nothing to do
        Assert.Equal(["a", "b"], (await rpc.CompletedAsync()).Order());
    }

    [Fact]
    public async Task A_job_not_heard_from_for_the_job_timeout_is_requeued_as_an_attempt_and_rejected_after_the_last()
    {
        await using var node = await StartAsync(o => o with { JobTimeoutMs = 10_000, PollIntervalMs = 50 });
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("a", ParityBase, 1));
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            var (id, time) = (await rpc.TakeAsync())!.Value;
            Assert.Equal("a", id);
            node.Clock.Advance(TimeSpan.FromSeconds(11));
            string expected = attempt < 3 ? "in-queue" : "rejected";
            await Until(async () => (string)(await rpc.StatusAsync("a"))["status"]! == expected, $"attempt {attempt}: {expected}");
        }
        Assert.Contains("Timed out", (string)(await rpc.StatusAsync("a"))["reason"]!);
    }

    [Fact]
    public async Task A_heartbeat_from_the_agent_of_a_requeued_job_takes_it_back()
    {
        await using var node = await StartAsync(o => o with { JobTimeoutMs = 10_000, PollIntervalMs = 50 });
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("a", ParityBase, 1));
        var (id, time) = (await rpc.TakeAsync())!.Value;
        node.Clock.Advance(TimeSpan.FromSeconds(11));
        await Until(async () => (string)(await rpc.StatusAsync("a"))["status"]! == "in-queue", "requeued");
        Assert.Null(await rpc.CallAsync("reportProvingJobProgress", id, time)); // keep going
        Assert.Equal("in-progress", (string)(await rpc.StatusAsync("a"))["status"]!);
        Assert.Null(await rpc.TakeAsync()); // not handed to anyone else
    }

    [Fact]
    public async Task Jobs_queued_and_in_progress_survive_a_node_restart()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("a", ParityBase, 1));
        await rpc.EnqueueAsync(AztecRpc.Job("b", ParityBase, 1));
        await rpc.EnqueueAsync(AztecRpc.Job("c", ParityBase, 1));
        var (running, time) = (await rpc.TakeAsync())!.Value;
        var (done, _) = (await rpc.TakeAsync())!.Value;
        // The success report hands its agent the last job.
        Assert.Equal("c", AztecRpc.Offer(await rpc.CallAsync("reportProvingJobSuccess", done, "data:proof"))!.Value.Id);

        await node.RestartAsync();
        rpc = node.Rpc;
        Assert.Equal("in-progress", (string)(await rpc.StatusAsync(running))["status"]!);
        Assert.Null(await rpc.CallAsync("reportProvingJobProgress", running, time)); // its agent carries on
        Assert.Equal("data:proof", (string)(await rpc.StatusAsync(done))["value"]!);
        Assert.Equal("in-progress", (string)(await rpc.StatusAsync("c"))["status"]!);
        Assert.Null(await rpc.TakeAsync());
        Assert.Contains(done, await rpc.CompletedAsync());
        // The epoch height is kept too: a stale epoch is still refused after the restart.
        await rpc.EnqueueAsync(AztecRpc.Job("9:x", ParityBase, 9));
        await node.RestartAsync();
        Assert.Equal(RpcError.CallFailed, (await node.Rpc.ErrorAsync("enqueueProvingJob", AztecRpc.Job("2:x", ParityBase, 2))).Code);
    }

    [Fact]
    public async Task Old_epochs_are_deleted_by_the_cleanup_pass()
    {
        await using var node = await StartAsync(o => o with { PollIntervalMs = 50 });
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("1:a", ParityBase, 1));
        await rpc.EnqueueAsync(AztecRpc.Job("3:a", ParityBase, 3));
        await Until(async () => (string)(await rpc.StatusAsync("1:a"))["status"]! == "not-found", "epoch 1 deleted");
        Assert.Equal("in-queue", (string)(await rpc.StatusAsync("3:a"))["status"]!);
    }

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var guard = DateTime.UtcNow + TimeSpan.FromSeconds(120); // a hang guard, not a timing assertion
        while (!await condition())
        {
            if (DateTime.UtcNow > guard) throw new TimeoutException($"never happened: {what}");
            await Task.Delay(20);
        }
    }
}

public sealed class SqliteBrokerSemanticsTests : BrokerSemanticsTests
{
    private protected override Task<AztecTestNode> StartAsync(Func<AztecOptions, AztecOptions>? configure = null) =>
        AztecTestNode.StartAsync(null, configure);
}

public sealed class PostgresBrokerSemanticsTests(PostgresDatabaseFixture database) : BrokerSemanticsTests, IClassFixture<PostgresDatabaseFixture>
{
    private protected override async Task<AztecTestNode> StartAsync(Func<AztecOptions, AztecOptions>? configure = null) =>
        await AztecTestNode.StartAsync(await database.NewSchemaAsync(), configure);
}
