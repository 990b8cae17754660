using Verity.Cluster.Jobs;
using Verity.Vm;
using Verity.Zkvm.Proving;

namespace Verity.Cluster.Runners;

/// <summary>
/// What the tasks of one job share inside a process: the loaded program and input, one <see cref="ZkvmProveOptions"/>
/// instance (the zkVM reuses a run's plan only for the same options object) and the executed run once known, whose
/// cached plan then serves every later task of the job here.
/// </summary>
internal sealed class JobContext(string jobId, JobSpec spec, ProgramImage image, byte[] input, ZkvmProveOptions options)
{
    public string JobId { get; } = jobId;
    public JobSpec Spec { get; } = spec;
    public ProgramImage Image { get; } = image;
    public byte[] Input { get; } = input;
    public ZkvmProveOptions Options { get; } = options;

    /// <summary>Set by the execute task, or loaded from the run blob by the first prove or finalize task here.</summary>
    public ExecutedRun? Run { get; set; }
}
