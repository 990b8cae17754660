using System.Globalization;
using Spectre.Console;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cli.Commands;

/// <summary>A job's status as a table for people (scripts use --json).</summary>
internal static class JobStatusTable
{
    public static Table Render(JobStatusView s, string? receiptFile = null)
    {
        var t = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
        string state = s.State switch
        {
            JobState.Succeeded => "[green]succeeded[/]",
            JobState.Failed => "[red]failed[/]",
            JobState.Cancelled => "[yellow]cancelled[/]",
            _ => "running",
        };
        t.AddRow("job", s.JobId);
        t.AddRow("state", state + (s.Expired ? " (blobs expired)" : ""));
        if (s.Error != null) t.AddRow("error", $"[red]{Markup.Escape(s.Error)}[/]");
        t.AddRow("image id", s.ImageId);
        t.AddRow("input id", s.InputId);
        t.AddRow("settings", Markup.Escape($"po2 {s.SegmentPo2}, parameters '{s.Parameters}'" + (s.ExecuteOnly ? ", execute only" : "") + (s.Simulated ? ", SIMULATED proving" : "")));
        if (s.Cycles is { } cycles) t.AddRow("cycles", $"{cycles:N0} in {s.Segments} segment(s)");
        if (s.ExitCode is { } exit) t.AddRow("exit code", exit.ToString(CultureInfo.InvariantCulture));
        if (s.JournalHex is { } journal) t.AddRow("journal", Markup.Escape(JournalText.Describe(Convert.FromHexString(journal))));
        foreach (var (type, p) in s.Tasks)
        {
            if (p.Total == 0) { t.AddRow($"{type} tasks", "not planned yet"); continue; }
            var parts = new List<string> { $"{p.Done}/{p.Total} done" };
            if (p.Running > 0) parts.Add($"{p.Running} running");
            if (p.Ready > 0) parts.Add($"{p.Ready} ready");
            if (p.Pending > 0) parts.Add($"{p.Pending} waiting");
            if (p.Failed > 0) parts.Add($"[red]{p.Failed} failed[/]");
            if (p.Cancelled > 0) parts.Add($"{p.Cancelled} cancelled");
            t.AddRow($"{type} tasks", string.Join(", ", parts));
        }
        t.AddRow("created", s.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
        if (s.FinishedAt is { } finished) t.AddRow("finished", $"{finished.ToString("u", CultureInfo.InvariantCulture)} ({(finished - s.CreatedAt).TotalSeconds:F1} s after creation)");
        if (receiptFile != null) t.AddRow("receipt", Markup.Escape($"{receiptFile} ({s.ReceiptBytes:N0} bytes)"));
        else if (s.ReceiptBytes is { } bytes) t.AddRow("receipt", $"{bytes:N0} bytes (verity job receipt {s.JobId})");
        return t;
    }
}
