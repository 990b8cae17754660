using Verity.Cluster.Runners;

namespace Verity.Cli.Commands;

/// <summary>
/// The task runners of this process's agent workers: one per worker, sharing one run cache so the tasks of a job that
/// land on this machine reuse its executed run and proving plan.
/// </summary>
internal static class TaskRunners
{
    private static readonly RunCache Cache = new();

    public static ITaskRunner Create() => new ZkvmTaskRunner(Cache);
}
