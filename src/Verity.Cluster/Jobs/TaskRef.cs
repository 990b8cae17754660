namespace Verity.Cluster.Jobs;

/// <summary>A task of the same job named by type and index (e.g. a proof a finalize task asks to be made again).</summary>
public sealed record TaskRef(TaskType Type, int Index)
{
    public override string ToString() => $"{Type.Name()} task {Index}";
}
