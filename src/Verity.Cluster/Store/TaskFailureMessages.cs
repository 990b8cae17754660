using System.Globalization;
using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>The error texts the stores record on a failed job (one wording for both stores and for readers that match on it).</summary>
public static class TaskFailureMessages
{
    /// <summary>"&lt;type&gt; task &lt;index&gt; failed after &lt;n&gt; attempt(s): &lt;error&gt;".</summary>
    public static string TaskFailed(TaskType type, int index, int attempts, string error) =>
        $"{type.Name()} task {index} failed after {attempts} attempt(s): {error}";

    /// <summary>The job's error when the node stopped too often while running one task (<see cref="TaskPolicy.MaxInterruptions"/>).</summary>
    public static string NodeStopped(TaskType type, int index, int interruptions) =>
        $"{type.Name()} task {index} failed: the node stopped {interruptions} time(s) while running this task";

    /// <summary>The last error of a task requeued because the node stopped while one of its embedded agents ran it.</summary>
    public const string Interrupted = "the node stopped while running this task; requeued";

    /// <summary>The job's error when a task's output was found bad more often than <see cref="TaskPolicy.MaxRepairs"/> allows.</summary>
    public static string RepairsExhausted(TaskType type, int index, int repairs, string error) =>
        $"{type.Name()} task {index} was run again {repairs} time(s) and its output is still unusable: {error}";

    /// <summary>The last error of a task whose agent stopped heartbeating.</summary>
    public static string NoHeartbeat(TimeSpan heartbeatTimeout) => $"timed out (no heartbeat within {Duration(heartbeatTimeout)})";

    /// <summary>The last error of a task whose attempt ran past the type's maximum duration.</summary>
    public static string RanTooLong(TimeSpan maxDuration) => $"timed out (no result within the {Duration(maxDuration)} limit)";

    /// <summary>A short duration: "250ms", "1.5s", "30s", "10m", "1h30m".</summary>
    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.FromSeconds(1)) return $"{(long)t.TotalMilliseconds}ms";
        if (t < TimeSpan.FromMinutes(1) || t.Milliseconds != 0)
            return t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
        var parts = new List<string>(3);
        if ((long)t.TotalHours > 0) parts.Add($"{(long)t.TotalHours}h");
        if (t.Minutes > 0) parts.Add($"{t.Minutes}m");
        if (t.Seconds > 0) parts.Add($"{t.Seconds}s");
        return string.Concat(parts);
    }
}
