using System.CommandLine;
using Verity.Zkvm.Proving;

namespace Verity.Cli.Commands;

/// <summary>
/// The --po2 option every command that runs or proves a guest takes, with the zkVM's one segment-size range
/// (<see cref="ZkvmProveOptions.MinSegmentPo2"/>..<see cref="ZkvmProveOptions.MaxSegmentPo2"/>), so no command
/// drifts from the prover, the REST API and the cluster's job checks.
/// </summary>
internal static class SegmentPo2Option
{
    public static Option<int> Create(int defaultValue = 20) => new("--po2")
    {
        Description = $"segment size: at most 2^po2 cycles per segment ({ZkvmProveOptions.SegmentPo2Range})",
        DefaultValueFactory = _ => defaultValue,
    };

    /// <summary>The value, or a <see cref="CliException"/> naming the range.</summary>
    public static int Check(int po2, string flag = "--po2") => ZkvmProveOptions.IsSegmentPo2(po2)
        ? po2
        : throw new CliException($"{flag} must be in {ZkvmProveOptions.SegmentPo2Range}, got {po2}.");
}
