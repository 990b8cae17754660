using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Runners;
using Verity.Crypto;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Vm;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;

namespace Verity.Cluster.Tests.Runners;

/// <summary>Simulated jobs: real preflight, sleeping prove tasks, and a VSIM receipt that nothing accepts as a proof.</summary>
public class SimulatedProvingTests
{
    [GuestFact]
    public async Task A_simulated_job_ends_in_a_simulated_receipt_that_verifiers_refuse()
    {
        using var h = new RunnerHarness();
        var elf = TestGuests.Elf("loop");
        var image = ElfLoader.Load(elf);
        var spec = await h.UploadAsync(elf, RunnerHarness.LoopInput) with { Simulation = new SimulationSpec { TaskDelayMs = 5 } };
        var expected = Executor.Run(image, RunnerHarness.LoopInput, new ExecutionOptions { SegmentPo2 = spec.SegmentPo2 });
        string jobId = TaskIds.NewJobId();
        var runner = new ZkvmTaskRunner();

        var exec = await h.RunAsync<ExecuteTaskOutput>(runner, RunnerHarness.Task(jobId, spec, TaskType.Execute));
        Assert.Equal(expected.Cycles, exec.Cycles);
        Assert.Equal(expected.Segments.Count, exec.Segments);
        Assert.Equal(Convert.ToHexStringLower(expected.Journal), exec.JournalHex);
        Assert.True(await h.Blobs.ExistsAsync(BlobKeys.Run(jobId)));

        for (int i = exec.Segments; i >= 0; i--)
        {
            var progress = new ProgressLog();
            var prove = await h.RunAsync<ProveTaskOutput>(runner, RunnerHarness.Task(jobId, spec, TaskType.Prove, i, exec.Segments), progress);
            Assert.True(prove.ProveMs >= 4, $"a simulated prove task waits its delay (took {prove.ProveMs} ms)");
            Assert.Equal(1.0, progress.Values[^1]);
            Assert.Equal(prove.ProofBytes, (await h.Blobs.GetAsync(BlobKeys.Proof(jobId, i)))!.Length);
        }
        var fin = await h.RunAsync<FinalizeTaskOutput>(runner, RunnerHarness.Task(jobId, spec, TaskType.Finalize, 0, exec.Segments));
        Assert.True(fin.Simulated);
        var bytes = (await h.Blobs.GetAsync(BlobKeys.Receipt(jobId)))!;
        Assert.Equal(bytes.Length, fin.ReceiptBytes);
        Assert.Equal("VSIM"u8.ToArray(), bytes[..4]);

        var sim = SimulatedReceipt.FromBytes(bytes);
        Assert.Equal(image.ImageId, sim.Claim.ImageId);
        Assert.Equal(Blake3.Hash(RunnerHarness.LoopInput), sim.Claim.InputDigest);
        Assert.Equal(expected.Journal, sim.Claim.Journal);
        Assert.Equal((uint)expected.ExitCode, sim.Claim.ExitCode);
        Assert.Equal(expected.Cycles, sim.Cycles);
        Assert.Equal(expected.Segments.Count, sim.Segments);

        var e = Assert.ThrowsAny<FormatException>(() => ReceiptCodec.Deserialize(bytes));
        Assert.Contains("simulated receipt", e.Message);
        Assert.Contains("proves nothing", e.Message);
        var v = ZkvmVerifier.Verify(bytes, image.ImageId, StarkParameters.InsecureTest, VerifierOptions.InsecureForTests);
        Assert.False(v.IsValid);
        Assert.Contains("simulated receipt", v.Error);
        Assert.Contains("proves nothing", v.Error);
    }

    [GuestFact]
    public async Task Simulated_finalize_waits_for_every_placeholder_and_a_prove_delay_is_cancellable()
    {
        using var h = new RunnerHarness();
        var spec = await h.UploadAsync(TestGuests.Elf("loop"), RunnerHarness.LoopInput) with { Simulation = new SimulationSpec { TaskDelayMs = 60_000 } };
        string jobId = TaskIds.NewJobId();
        var runner = new ZkvmTaskRunner();
        var exec = await h.RunAsync<ExecuteTaskOutput>(runner, RunnerHarness.Task(jobId, spec, TaskType.Execute));

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            runner.RunAsync(RunnerHarness.Task(jobId, spec, TaskType.Prove, 0, exec.Segments), h.Blobs, new ProgressLog(), cts.Token));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "cancellation should end the wait");
        Assert.False(await h.Blobs.ExistsAsync(BlobKeys.Proof(jobId, 0)));

        var e = await h.FailAsync(runner, RunnerHarness.Task(jobId, spec, TaskType.Finalize, 0, exec.Segments));
        Assert.True(e.Retry);
        Assert.Contains(BlobKeys.Proof(jobId, 0), e.Message);
        // No placeholder is there: every prove task is asked to run again, and the job is not failed.
        Assert.Equal(Enumerable.Range(0, exec.Segments + 1).Select(i => new TaskRef(TaskType.Prove, i)), e.Redo);
    }

    [Fact]
    public async Task Simulated_prove_tasks_refuse_a_real_run_blob()
    {
        using var h = new RunnerHarness();
        var spec = new JobSpec { ImageId = new string('c', 64), InputId = new string('d', 64), Parameters = "insecure-test", Simulation = new SimulationSpec() };
        string jobId = TaskIds.NewJobId();
        await h.Blobs.PutAsync(BlobKeys.Run(jobId), "XRUN-not-simulated"u8.ToArray());
        var e = await h.FailAsync(new ZkvmTaskRunner(), RunnerHarness.Task(jobId, spec, TaskType.Prove, 0, 1));
        Assert.False(e.Retry);
        Assert.Contains("not a simulated run", e.Message);
    }
}
