namespace Verity.Cluster.Jobs;

/// <summary>
/// The task types of a proving job (DESIGN §2). Commit runs inside execute. Prove tasks have indices
/// 0..segments: index i &lt; segments proves segment i, index == segments proves the run's memory table.
/// </summary>
public enum TaskType
{
    Execute = 0,
    Prove = 1,
    Finalize = 2,
}

public static class TaskTypes
{
    public static readonly IReadOnlyList<TaskType> All = [TaskType.Execute, TaskType.Prove, TaskType.Finalize];

    public static string Name(this TaskType t) => t switch
    {
        TaskType.Execute => "execute",
        TaskType.Prove => "prove",
        TaskType.Finalize => "finalize",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static bool TryParse(string name, out TaskType type)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "execute": type = TaskType.Execute; return true;
            case "prove": type = TaskType.Prove; return true;
            case "finalize": type = TaskType.Finalize; return true;
            default: type = default; return false;
        }
    }

    /// <summary>Parses a comma-separated allow-list ("execute,prove"); empty or "all" means every type.</summary>
    /// <exception cref="FormatException">An unknown type name.</exception>
    public static IReadOnlyList<TaskType> ParseList(string? list)
    {
        if (string.IsNullOrWhiteSpace(list) || list.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return All;
        var result = new List<TaskType>();
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParse(part, out var t)) throw new FormatException($"unknown task type '{part}' (expected execute, prove or finalize)");
            if (!result.Contains(t)) result.Add(t);
        }
        return result;
    }

    /// <summary>
    /// Critical-path rank used by the scheduler: tasks closer to finalize go first (0 = finalize).
    /// </summary>
    public static int Stage(this TaskType t) => t switch
    {
        TaskType.Finalize => 0,
        TaskType.Prove => 1,
        _ => 2,
    };
}
