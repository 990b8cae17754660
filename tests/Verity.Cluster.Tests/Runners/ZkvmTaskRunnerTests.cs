using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Runners;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Verifier;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;

namespace Verity.Cluster.Tests.Runners;

/// <summary>The real task runner on the loop guest (po2 10, insecure-test parameters) through a file blob store.</summary>
public class ZkvmTaskRunnerTests(ProvedLoopJob job) : IClassFixture<ProvedLoopJob>
{
    private static readonly StarkParameters Parameters = StarkParameters.InsecureTest;

    [GuestFact]
    public async Task Proves_in_reverse_order_then_finalize_give_the_one_shot_receipt()
    {
        Assert.True(job.Segments >= 2, $"the test wants several segments, got {job.Segments}");
        Assert.Equal(job.Preflight.Cycles, job.Execute.Cycles);
        Assert.Equal(job.Preflight.Segments.Count, job.Execute.Segments);
        Assert.Equal(job.Preflight.ExitCode, job.Execute.ExitCode);
        Assert.Equal(Convert.ToHexStringLower(job.Preflight.Journal), job.Execute.JournalHex);
        Assert.Equal(4, job.Execute.InputConsumed);
        Assert.True(job.CachedAfterExecute, "the execute task should leave its run in the runner's cache");
        Assert.Equal(1.0, job.ExecuteProgress[^1]);
        Assert.Equal(job.ExecuteProgress.Order(), job.ExecuteProgress);

        using var h = new RunnerHarness();
        await h.CopyFromAsync(job.Harness.Blobs);
        for (int i = 0; i <= job.Segments; i++)
            Assert.Equal(job.Proves[job.Segments - i].ProofBytes, (await h.Blobs.GetAsync(BlobKeys.Proof(job.JobId, i)))!.Length);

        var runner = new ZkvmTaskRunner();
        var output = await h.RunAsync<FinalizeTaskOutput>(runner, RunnerHarness.Task(job.JobId, job.Spec, TaskType.Finalize, 0, job.Segments));
        var receipt = (await h.Blobs.GetAsync(BlobKeys.Receipt(job.JobId)))!;
        Assert.False(output.Simulated);
        Assert.Equal(receipt.Length, output.ReceiptBytes);
        Assert.Equal(job.OneShotReceipt, receipt);
        var v = ZkvmVerifier.Verify(receipt, job.Image.ImageId, Parameters, VerifierOptions.InsecureForTests);
        Assert.True(v.IsValid, v.Error);
        Assert.Equal(job.Preflight.Journal, v.Claim!.Journal);
        Assert.False(runner.Cache.Contains(job.JobId), "a finished job should leave the cache");
    }

    [GuestFact]
    public async Task Execute_only_reports_the_preflight_and_stores_nothing()
    {
        using var h = new RunnerHarness();
        var spec = await h.UploadAsync(TestGuests.Elf("loop"), RunnerHarness.LoopInput) with { ExecuteOnly = true };
        string jobId = TaskIds.NewJobId();
        var output = await h.RunAsync<ExecuteTaskOutput>(new ZkvmTaskRunner(), RunnerHarness.Task(jobId, spec, TaskType.Execute));
        Assert.Equal(job.Preflight.Cycles, output.Cycles);
        Assert.Equal(job.Preflight.Segments.Count, output.Segments);
        Assert.Equal(Convert.ToHexStringLower(job.Preflight.Journal), output.JournalHex);
        Assert.Equal(4, output.InputConsumed);
        Assert.Empty(await h.Blobs.ListAsync(BlobKeys.JobPrefix(jobId)).ToListAsync());
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(jobId, spec, TaskType.Prove, 0, output.Segments));
        Assert.False(e.Retry);
        Assert.Contains("execute-only", e.Message);
    }

    [GuestFact]
    public async Task An_elf_that_is_not_the_jobs_image_is_not_retried()
    {
        using var h = new RunnerHarness();
        string wrongId = new('a', 64);
        var spec = await h.UploadAsync(TestGuests.Elf("loop"), RunnerHarness.LoopInput, imageId: wrongId);
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(TaskIds.NewJobId(), spec, TaskType.Execute));
        Assert.False(e.Retry);
        Assert.Contains(wrongId, e.Message);
        Assert.Contains(job.Image.ImageId.ToHex(), e.Message);
    }

    [Fact]
    public async Task A_malformed_elf_is_not_retried_and_says_why()
    {
        using var h = new RunnerHarness();
        var spec = await h.UploadAsync("this is not an ELF file"u8.ToArray(), [], imageId: new string('b', 64));
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(TaskIds.NewJobId(), spec, TaskType.Execute));
        Assert.False(e.Retry);
        Assert.Contains("not a loadable RV32IM ELF", e.Message);
        Assert.Contains(BlobKeys.Image(spec.ImageId), e.Message);
    }

    [Fact]
    public async Task A_missing_image_is_retried_and_named()
    {
        using var h = new RunnerHarness();
        var spec = new JobSpec { ImageId = new string('c', 64), InputId = new string('d', 64), Parameters = "insecure-test" };
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(TaskIds.NewJobId(), spec, TaskType.Execute));
        Assert.True(e.Retry);
        Assert.Contains(BlobKeys.Image(spec.ImageId), e.Message);
    }

    [Theory]
    [InlineData("no-such-set", 10, "no-such-set")]
    [InlineData("insecure-test", 25, "segment po2 25")]
    [InlineData("insecure-test", 3, "segment po2 3")]
    public async Task A_bad_spec_is_not_retried(string parameters, int po2, string expected)
    {
        using var h = new RunnerHarness();
        var spec = new JobSpec { ImageId = new string('c', 64), InputId = new string('d', 64), Parameters = parameters, SegmentPo2 = po2 };
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(TaskIds.NewJobId(), spec, TaskType.Execute));
        Assert.False(e.Retry);
        Assert.Contains(expected, e.Message);
    }

    [GuestFact]
    public async Task An_input_that_does_not_hash_to_its_id_is_not_retried()
    {
        using var h = new RunnerHarness();
        var spec = await h.UploadAsync(TestGuests.Elf("loop"), RunnerHarness.LoopInput);
        await h.Blobs.PutAsync(BlobKeys.Input(spec.InputId), new byte[] { 1, 2, 3, 4 });
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(TaskIds.NewJobId(), spec, TaskType.Execute));
        Assert.False(e.Retry);
        Assert.Contains("hashes to", e.Message);
    }

    [GuestFact]
    public async Task Exceeding_the_cycle_limit_is_not_retried()
    {
        using var h = new RunnerHarness();
        var spec = await h.UploadAsync(TestGuests.Elf("loop"), RunnerHarness.LoopInput) with { MaxCycles = 100 };
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(TaskIds.NewJobId(), spec, TaskType.Execute));
        Assert.False(e.Retry);
        Assert.Contains("cycle limit", e.Message);
    }

    [GuestFact]
    public async Task A_prove_task_before_the_run_blob_exists_is_retried()
    {
        using var h = new RunnerHarness();
        var spec = await h.UploadAsync(TestGuests.Elf("loop"), RunnerHarness.LoopInput);
        string jobId = TaskIds.NewJobId();
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(jobId, spec, TaskType.Prove, 0, 3));
        Assert.True(e.Retry);
        Assert.Contains(BlobKeys.Run(jobId), e.Message);
    }

    [GuestFact]
    public async Task A_prove_index_past_the_memory_proof_is_not_retried()
    {
        using var h = new RunnerHarness();
        await h.CopyFromAsync(job.Harness.Blobs);
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(job.JobId, job.Spec, TaskType.Prove, job.Segments + 1, job.Segments));
        Assert.False(e.Retry);
        Assert.Contains($"outside 0..{job.Segments}", e.Message);
    }

    [GuestFact]
    public async Task A_missing_proof_blob_is_retried_and_named()
    {
        using var h = new RunnerHarness();
        await h.CopyFromAsync(job.Harness.Blobs);
        await h.Blobs.DeleteAsync(BlobKeys.Proof(job.JobId, 1));
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(job.JobId, job.Spec, TaskType.Finalize, 0, job.Segments));
        Assert.True(e.Retry);
        Assert.Contains(BlobKeys.Proof(job.JobId, 1), e.Message);
        Assert.Equal([new TaskRef(TaskType.Prove, 1)], e.Redo); // made again rather than failing the job
        Assert.False(await h.Blobs.ExistsAsync(BlobKeys.Receipt(job.JobId)));
    }

    [GuestFact]
    public async Task A_corrupted_proof_blob_is_made_again_and_named()
    {
        using var h = new RunnerHarness();
        await h.CopyFromAsync(job.Harness.Blobs);
        var blobs = new TestDoubles.HookedBlobStore(h.Blobs) { CorruptKeys = { BlobKeys.Proof(job.JobId, 0), BlobKeys.Proof(job.JobId, job.Segments) } };
        var e = await Assert.ThrowsAsync<TaskFailedException>(() => new ZkvmTaskRunner().RunAsync(
            RunnerHarness.Task(job.JobId, job.Spec, TaskType.Finalize, 0, job.Segments), blobs, new ProgressLog(), CancellationToken.None));
        Assert.True(e.Retry);
        Assert.Equal([new TaskRef(TaskType.Prove, 0), new TaskRef(TaskType.Prove, job.Segments)], e.Redo);
        Assert.Contains($"blob '{BlobKeys.Proof(job.JobId, 0)}' is corrupted", e.Message);
        Assert.Contains("2 proof(s) must be made again", e.Message);
    }

    [GuestFact]
    public async Task A_corrupted_run_blob_is_named_as_such_and_not_retried()
    {
        using var h = new RunnerHarness();
        await h.CopyFromAsync(job.Harness.Blobs);
        var blobs = new TestDoubles.HookedBlobStore(h.Blobs) { CorruptKeys = { BlobKeys.Run(job.JobId) } };
        var e = await Assert.ThrowsAsync<TaskFailedException>(() => new ZkvmTaskRunner().RunAsync(
            RunnerHarness.Task(job.JobId, job.Spec, TaskType.Finalize, 0, job.Segments), blobs, new ProgressLog(), CancellationToken.None));
        Assert.False(e.Retry);
        Assert.Empty(e.Redo);
        Assert.Contains($"the executed run is unusable: blob '{BlobKeys.Run(job.JobId)}' is corrupted", e.Message);
    }

    [GuestFact]
    public async Task A_corrupted_proof_fails_finalize_for_good_with_the_verifiers_reason()
    {
        using var h = new RunnerHarness();
        await h.CopyFromAsync(job.Harness.Blobs);
        string key = BlobKeys.Proof(job.JobId, 1);
        var bytes = (await h.Blobs.GetAsync(key))!;
        bytes[80] ^= 1; // inside the first table's main root (magic, version, two digests, table count, height, flags come first)
        await h.Blobs.PutAsync(key, bytes);

        // What the verifier says about the one-shot receipt with that proof swapped in.
        var honest = ReceiptCodec.Deserialize(job.OneShotReceipt);
        var tampered = new Receipt
        {
            Claim = honest.Claim, Image = honest.Image, Input = honest.Input, InputConsumed = honest.InputConsumed,
            SegmentPo2 = honest.SegmentPo2, Segments = honest.Segments, MemoryProof = honest.MemoryProof,
            SegmentProofs = [.. honest.SegmentProofs.Select((p, i) => i == 1 ? ProofCodec.Deserialize(bytes) : p)],
        };
        var verdict = ZkvmVerifier.Verify(tampered, job.Image.ImageId, Parameters, VerifierOptions.InsecureForTests);
        Assert.False(verdict.IsValid);

        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(job.JobId, job.Spec, TaskType.Finalize, 0, job.Segments));
        Assert.False(e.Retry);
        Assert.Contains("does not verify", e.Message);
        Assert.Contains(verdict.Error!, e.Message);
        Assert.False(await h.Blobs.ExistsAsync(BlobKeys.Receipt(job.JobId)));
    }

    [GuestFact]
    public async Task A_proof_blob_that_does_not_decode_is_made_again()
    {
        using var h = new RunnerHarness();
        await h.CopyFromAsync(job.Harness.Blobs);
        string key = BlobKeys.Proof(job.JobId, job.Segments);
        await h.Blobs.PutAsync(key, "garbage"u8.ToArray());
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(job.JobId, job.Spec, TaskType.Finalize, 0, job.Segments));
        Assert.True(e.Retry);
        Assert.Equal([new TaskRef(TaskType.Prove, job.Segments)], e.Redo);
        Assert.Contains(key, e.Message);
        Assert.Contains("not a valid proof", e.Message);
    }

    [GuestFact]
    public async Task A_malformed_run_blob_is_not_retried()
    {
        using var h = new RunnerHarness();
        await h.CopyFromAsync(job.Harness.Blobs);
        var run = (await h.Blobs.GetAsync(BlobKeys.Run(job.JobId)))!;
        await h.Blobs.PutAsync(BlobKeys.Run(job.JobId), run[..^5]);
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(job.JobId, job.Spec, TaskType.Prove, 0, job.Segments));
        Assert.False(e.Retry);
        Assert.Contains("truncated executed run", e.Message);
    }
}
