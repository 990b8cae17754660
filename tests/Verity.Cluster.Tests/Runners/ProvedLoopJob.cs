using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Runners;
using Verity.Stark.Air.Parameters;
using Verity.Vm;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Receipts;

namespace Verity.Cluster.Tests.Runners;

/// <summary>
/// The loop guest's job run up to finalize once per test class: execute on runner A, then every prove task in reverse
/// order, alternating between runner A (whose cache holds the executed run and its plan) and a fresh runner B (which
/// reads the run blob). Tests copy the blobs into their own store before changing anything.
/// </summary>
public sealed class ProvedLoopJob : IAsyncLifetime
{
    private readonly RunnerHarness _harness = new();

    internal RunnerHarness Harness => _harness;
    public string JobId { get; } = TaskIds.NewJobId();
    public JobSpec Spec { get; private set; } = null!;
    public ProgramImage Image { get; private set; } = null!;
    public ExecutionResult Preflight { get; private set; } = null!;
    public ExecuteTaskOutput Execute { get; private set; } = null!;
    public List<ProveTaskOutput> Proves { get; } = [];
    public bool CachedAfterExecute { get; private set; }
    public IReadOnlyList<double> ExecuteProgress { get; private set; } = [];
    /// <summary>What <see cref="ZkvmProver.Prove"/> makes of the same run in one go.</summary>
    public byte[] OneShotReceipt { get; private set; } = [];
    public int Segments => Execute.Segments;

    public async Task InitializeAsync()
    {
        if (TestGuests.SkipReason != null) return;
        var elf = TestGuests.Elf("loop");
        Image = ElfLoader.Load(elf);
        Spec = await _harness.UploadAsync(elf, RunnerHarness.LoopInput);
        Preflight = Executor.Run(Image, RunnerHarness.LoopInput, new ExecutionOptions { SegmentPo2 = Spec.SegmentPo2 });

        var a = new ZkvmTaskRunner();
        var b = new ZkvmTaskRunner();
        var progress = new ProgressLog();
        Execute = await _harness.RunAsync<ExecuteTaskOutput>(a, RunnerHarness.Task(JobId, Spec, TaskType.Execute), progress);
        ExecuteProgress = progress.Values;
        CachedAfterExecute = a.Cache.Contains(JobId);
        for (int i = Execute.Segments; i >= 0; i--)
        {
            var runner = i % 2 == 0 ? a : b;
            Proves.Add(await _harness.RunAsync<ProveTaskOutput>(runner, RunnerHarness.Task(JobId, Spec, TaskType.Prove, i, Execute.Segments)));
        }
        var options = new ZkvmProveOptions { SegmentPo2 = Spec.SegmentPo2, Parameters = StarkParameters.FromName(Spec.Parameters) };
        OneShotReceipt = ReceiptCodec.Serialize(ZkvmProver.Prove(Image, RunnerHarness.LoopInput, options));
    }

    public Task DisposeAsync()
    {
        _harness.Dispose();
        return Task.CompletedTask;
    }
}
