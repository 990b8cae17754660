using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Client;
using Verity.Cluster.EndToEnd.Tests.Infrastructure;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Tests.Store;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Vm;
using Verity.Zkvm.Verification;
using Xunit.Abstractions;

namespace Verity.Cluster.EndToEnd.Tests.Scenarios;

/// <summary>
/// Scenario 1: a real proving job through the REST API and <see cref="NodeClient"/> — the node's embedded agent proves
/// the loop guest (3 segments at po2 10, insecure-test parameters) with the zkVM, the receipt verifies offline — next to
/// an execute-only job on the same program; then the job lifecycle deletes their blobs, the shared image and input
/// only with their last user.
/// </summary>
public abstract class HappyPathTests(ITestOutputHelper output) : ClusterScenario(output)
{
    private const uint Iterations = 100;
    private const int Po2 = 10;

    [LoopGuestFact]
    public async Task A_real_job_is_proved_and_verified_and_its_blobs_go_after_the_receipt_is_fetched()
    {
        var clock = new ShiftedClock();
        var broker = NodeSettings.Broker(TimeSpan.FromSeconds(30));
        var node = await StartNodeAsync(agents: 1, broker, c => c with { Time = clock });
        var client = node.Client;
        byte[] elf = TestGuests.LoopElf, input = TestGuests.LoopInput(Iterations), journal = TestGuests.LoopJournal(Iterations);
        var program = ElfLoader.Load(elf);
        var expected = Executor.Run(program, input, new ExecutionOptions { SegmentPo2 = Po2 });
        Assert.Equal(3, expected.Segments.Count); // the job this test wants: a few segments, one small proof each

        string jobId = await SubmitAsync(client, elf, input, Po2);
        string preflightId = await SubmitAsync(client, elf, input, Po2, executeOnly: true);
        var status = await Eventually.SucceededAsync(client, jobId, TimeSpan.FromMinutes(3));

        // The status: execution results and every task type complete.
        Assert.Equal(program.ImageId.ToHex(), status.ImageId);
        Assert.Equal(expected.Cycles, status.Cycles);
        Assert.Equal(3, status.Segments);
        Assert.Equal(0, status.ExitCode);
        Assert.Equal(Convert.ToHexStringLower(journal), status.JournalHex);
        Assert.False(status.Expired);
        AssertComplete(status, ("execute", 1), ("prove", 4), ("finalize", 1));

        // The receipt verifies offline and proves the journal; a changed byte does not verify.
        byte[] receipt = await client.GetReceiptAsync(jobId);
        Assert.Equal(status.ReceiptBytes, receipt.Length);
        var verified = ZkvmVerifier.Verify(receipt, program.ImageId, StarkParameters.InsecureTest, VerifierOptions.InsecureForTests);
        Assert.True(verified.IsValid, verified.Error);
        Assert.Equal(journal, verified.Claim!.Journal);
        byte[] tampered = (byte[])receipt.Clone();
        tampered[tampered.Length / 2] ^= 1;
        Assert.False(ZkvmVerifier.Verify(tampered, program.ImageId, StarkParameters.InsecureTest, VerifierOptions.InsecureForTests).IsValid);

        // The execute-only job: the journal in its status, no receipt.
        var preflight = await Eventually.SucceededAsync(client, preflightId, TimeSpan.FromMinutes(1));
        Assert.True(preflight.ExecuteOnly);
        Assert.Equal(expected.Cycles, preflight.Cycles);
        Assert.Equal(3, preflight.Segments);
        Assert.Equal(Convert.ToHexStringLower(journal), preflight.JournalHex);
        Assert.Null(preflight.ReceiptBytes);
        AssertComplete(preflight, ("execute", 1));
        var noReceipt = await Assert.ThrowsAsync<NodeClientException>(() => client.GetReceiptAsync(preflightId));
        Assert.Equal(409, noReceipt.StatusCode);
        Assert.Contains("execute-only", noReceipt.Message);

        await AssertCleanupAsync(node, clock, broker, status, preflightId);
    }

    /// <summary>
    /// The lifecycle (run here with the node's store and blobs and a clock the test moves): the proved job's blobs go
    /// after its receipt's retention, the execute-only job's after the job retention, and the image and input they share
    /// only with the second.
    /// </summary>
    private static async Task AssertCleanupAsync(InProcessNode node, ShiftedClock clock, BrokerOptions broker, JobStatusView job, string preflightId)
    {
        string jobId = job.JobId;
        var lifecycle = new JobLifecycle(node.Store, node.Blobs, broker, clock);
        string image = BlobKeys.Image(job.ImageId), input = BlobKeys.Input(job.InputId), prefix = BlobKeys.JobPrefix(jobId);
        var before = await node.BlobKeysAsync(prefix);
        Assert.Contains(BlobKeys.Run(jobId), before);
        Assert.Contains(BlobKeys.Receipt(jobId), before);
        Assert.Equal(4, before.Count(k => k.StartsWith(prefix + "proofs/", StringComparison.Ordinal)));

        // Fetched just now: within the receipt's retention nothing goes.
        Assert.Equal((0, 0), await lifecycle.RunOnceAsync());
        clock.Advance(broker.ReceiptRetention - TimeSpan.FromMinutes(1));
        Assert.Equal((0, 0), await lifecycle.RunOnceAsync());
        Assert.Equal(before, await node.BlobKeysAsync(prefix));

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal((0, 1), await lifecycle.RunOnceAsync());
        Assert.Empty(await node.BlobKeysAsync(prefix));
        // The execute-only job still uses the image and the input.
        Assert.Equal(new[] { image, input }.Order(StringComparer.Ordinal), await node.BlobKeysAsync());
        var expired = await node.Client.GetStatusAsync(jobId);
        Assert.True(expired.Expired);
        Assert.Equal(JobState.Succeeded, expired.State);
        var gone = await Assert.ThrowsAsync<NodeClientException>(() => node.Client.GetReceiptAsync(jobId));
        Assert.Equal(404, gone.StatusCode);
        Assert.False((await node.Client.GetStatusAsync(preflightId)).Expired);

        // The execute-only job's receipt was never fetched: its blobs stay for the job retention, then go with the
        // image and input it was the last user of.
        Assert.Equal((0, 0), await lifecycle.RunOnceAsync());
        clock.Advance(broker.JobRetention);
        Assert.Equal((0, 1), await lifecycle.RunOnceAsync());
        Assert.True((await node.Client.GetStatusAsync(preflightId)).Expired);
        Assert.Empty(await node.BlobKeysAsync());
        Assert.Equal((0, 0), await lifecycle.RunOnceAsync());
    }

    /// <summary>Each listed task type has exactly that many tasks, all done, and the status lists no other type.</summary>
    private static void AssertComplete(JobStatusView status, params (string Type, int Total)[] types)
    {
        Assert.Equal(types.Select(t => t.Type).Order(), status.Tasks.Keys.Order());
        foreach (var (type, total) in types)
            Assert.Equal(new TaskProgress { Total = total, Done = total }, status.Tasks[type]);
    }
}

public sealed class SqliteHappyPathTests(ITestOutputHelper output) : HappyPathTests(output)
{
    protected override Task<StoreTarget> CreateStoreAsync() => Task.FromResult<StoreTarget>(new SqliteStoreTarget(DataDir));
}

public sealed class PostgresHappyPathTests(PostgresDatabaseFixture db, ITestOutputHelper output) : HappyPathTests(output), IClassFixture<PostgresDatabaseFixture>
{
    protected override async Task<StoreTarget> CreateStoreAsync() => new PostgresStoreTarget(await db.NewSchemaAsync());
}

/// <summary>The cluster configuration: PostgreSQL tasks and S3 blobs.</summary>
public sealed class PostgresS3HappyPathTests(PostgresDatabaseFixture db, ITestOutputHelper output) : HappyPathTests(output), IClassFixture<PostgresDatabaseFixture>
{
    protected override async Task<StoreTarget> CreateStoreAsync() => new S3BlobsTarget(new PostgresStoreTarget(await db.NewSchemaAsync()));
}
