using System.Globalization;

namespace Verity.Cli.Commands.Aztec;

/// <summary>
/// The whole machine's CPU counters from /proc/stat (all cores): between two readings, the share of core time that was
/// busy — this benchmark's processes, PostgreSQL and whatever else shares the machine. Null where /proc is missing.
/// </summary>
internal readonly record struct MachineCpu(long BusyTicks, long TotalTicks)
{
    public static MachineCpu? Read()
    {
        try
        {
            string? line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (line is null) return null;
            // cpu user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
            long[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            if (f.Length < 5) return null;
            long total = f.Sum();
            long idle = f[3] + f[4];
            return new MachineCpu(total - idle, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>The busy share of all cores from <paramref name="before"/> to <paramref name="after"/> (0..1), or null.</summary>
    public static double? BusyShare(MachineCpu? before, MachineCpu? after) =>
        before is { } b && after is { } a && a.TotalTicks > b.TotalTicks
            ? (double)(a.BusyTicks - b.BusyTicks) / (a.TotalTicks - b.TotalTicks)
            : null;

    /// <summary>The 1-minute load average from /proc/loadavg, or null.</summary>
    public static double? LoadAverage()
    {
        try
        {
            string first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
