namespace Verity.Cluster.Jobs;

/// <summary>
/// Deterministic task ids (DESIGN §5): job id + type + index, so re-planning never duplicates a task and a finished
/// proof is reused. Job ids are version-7 GUIDs in "N" format (32 lowercase hex digits, time-ordered).
/// </summary>
public static class TaskIds
{
    public static string NewJobId() => Guid.CreateVersion7().ToString("N");

    public static bool IsValidJobId(string? id) =>
        id is { Length: 32 } && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    public static string TaskId(string jobId, TaskType type, int index) => $"{jobId}:{type.Name()}:{index}";

    /// <exception cref="FormatException">Not a task id.</exception>
    public static (string JobId, TaskType Type, int Index) Parse(string taskId)
    {
        var parts = taskId.Split(':');
        if (parts.Length != 3 || !IsValidJobId(parts[0]) || !TaskTypes.TryParse(parts[1], out var type)
            || !int.TryParse(parts[2], System.Globalization.NumberStyles.None, null, out int index))
            throw new FormatException($"'{taskId}' is not a task id (expected <job id>:<type>:<index>)");
        return (parts[0], type, index);
    }
}
