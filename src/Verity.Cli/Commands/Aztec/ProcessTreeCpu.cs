using System.Globalization;

namespace Verity.Cli.Commands.Aztec;

/// <summary>
/// CPU time of a process and its direct children from /proc/&lt;pid&gt;/stat (utime + stime): a local PostgreSQL
/// server is a postmaster whose children are the backends and background workers. Children that exit between two
/// readings are missed; the node's pooled connections keep their backends for the whole run.
/// </summary>
internal static class ProcessTreeCpu
{
    /// <summary>
    /// /proc/&lt;pid&gt;/stat counts in USER_HZ, which the kernel fixes at 100 on the architectures .NET runs on (x64,
    /// arm64) whatever its internal tick rate.
    /// </summary>
    private const double TicksPerSecond = 100;

    /// <summary>(parent pid, command name) of a process, or null when /proc does not show it.</summary>
    public static (int ParentPid, string Command)? Describe(int pid)
    {
        var fields = Fields(pid);
        if (fields is null) return null;
        return (int.Parse(fields.Value.Fields[1], CultureInfo.InvariantCulture), fields.Value.Command);
    }

    /// <summary>User + system CPU of <paramref name="root"/> and its children so far; null when /proc cannot show the root.</summary>
    public static TimeSpan? Read(int root)
    {
        long ticks = 0;
        bool seen = false;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            var fields = Fields(pid);
            if (fields is not { } f) continue;
            string[] rest = f.Fields;
            int parent = int.Parse(rest[1], CultureInfo.InvariantCulture);
            if (pid != root && parent != root) continue;
            seen |= pid == root;
            // After "(comm)": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime.
            ticks += long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
        }
        return seen ? TimeSpan.FromSeconds(ticks / TicksPerSecond) : null;
    }

    private static (string Command, string[] Fields)? Fields(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // The command name is in parentheses and may itself hold spaces or parentheses: split after the last ')'.
        int open = text.IndexOf('(', StringComparison.Ordinal), close = text.LastIndexOf(')');
        if (open < 0 || close < open) return null;
        string[] rest = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return rest.Length > 12 ? (text[(open + 1)..close], rest) : null;
    }
}
