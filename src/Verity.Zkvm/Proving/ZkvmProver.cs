using System.Diagnostics;
using Verity.Stark.Air.Proofs;
using Verity.Stark.Prover;
using Verity.Vm;
using Verity.Zkvm.Receipts;

namespace Verity.Zkvm.Proving;

/// <summary>
/// Proves a guest run as a composite receipt (DESIGN §4.4) in one process, running the tasks of
/// <see cref="ZkvmTasks"/> in turn: phase 1 executes the whole run once, recording only segment boundaries, commits
/// every segment's boundary and IO tables and the run's memory table, and draws the global challenge; phase 2
/// replays and proves each segment independently, then the memory table.
/// </summary>
public static class ZkvmProver
{
    public static Receipt Prove(ProgramImage image, byte[] input, ZkvmProveOptions? options = null, ProvingReport? report = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(input);
        options ??= new ZkvmProveOptions();
        report ??= new ProvingReport();
        var total = Stopwatch.StartNew();
        var sw = new Stopwatch();

        options.Progress?.Report(new ProvingProgress("execute", 0, 0));
        var run = ZkvmTasks.Execute(image, input, options, report);
        options.Progress?.Report(new ProvingProgress("commit", 0, run.SegmentCount));

        var workspace = new ProverWorkspace();
        var proofs = new StarkProof[run.SegmentCount];
        for (int i = 0; i < proofs.Length; i++)
        {
            options.Progress?.Report(new ProvingProgress("segment", i, proofs.Length));
            proofs[i] = ZkvmTasks.ProveSegment(image, input, run, i, options, workspace, report);
            report.PeakSegmentBytes = Math.Max(report.PeakSegmentBytes, GC.GetTotalMemory(false));
        }
        options.Progress?.Report(new ProvingProgress("memory", proofs.Length, proofs.Length));
        sw.Restart();
        var memoryProof = ZkvmTasks.ProveMemory(image, input, run, options, workspace, report);
        report.StarkMs += sw.Elapsed.TotalMilliseconds;
        report.TotalMs = total.Elapsed.TotalMilliseconds;
        return ZkvmTasks.Assemble(image, input, run, proofs, memoryProof);
    }
}
