using System.CommandLine;
using Spectre.Console;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cli.Commands;

/// <summary>`verity job submit | status | receipt | cancel`: the node's job API from the command line.</summary>
internal static class JobCommand
{
    public static Command Create()
    {
        var job = new Command("job", "Submit proving jobs to a node and follow them (the node's REST API).");
        job.Subcommands.Add(JobSubmitCommand.Create());
        job.Subcommands.Add(CreateStatus());
        job.Subcommands.Add(CreateReceipt());
        job.Subcommands.Add(CreateCancel());
        return job;
    }

    private static Argument<string> JobIdArgument() => new("id") { Description = "the job id (32 hex digits, as `job submit` printed it)" };

    /// <summary>Checks the id before anything else (key lookup, network), so a typo is a plain argument error.</summary>
    private static string RequireJobId(string id) =>
        TaskIds.IsValidJobId(id) ? id : throw new CliException($"'{id}' is not a job id (32 lowercase hex digits).");

    private static Command CreateStatus()
    {
        var id = JobIdArgument();
        var json = new Option<bool>("--json") { Description = "print the node's status JSON" };
        var node = new NodeClientOptions();
        var cmd = new Command("status", "Show a job's state, execution results and task progress.");
        cmd.Arguments.Add(id);
        cmd.Options.Add(json);
        node.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.RunAsync(async () =>
        {
            string jobId = RequireJobId(r.GetValue(id)!);
            using var client = node.CreateClient(r);
            var status = await client.GetStatusAsync(jobId, ct);
            if (r.GetValue(json)) Console.WriteLine(ClusterJson.Serialize(status));
            else AnsiConsole.Write(JobStatusTable.Render(status));
            return 0;
        }));
        return cmd;
    }

    private static Command CreateReceipt()
    {
        var id = JobIdArgument();
        var output = new Option<FileInfo?>("--output", "-o") { Description = "receipt file (default: <id>.receipt)" };
        var noVerify = new Option<bool>("--no-verify") { Description = "save the receipt without verifying it against the job's image id and parameters" };
        var node = new NodeClientOptions();
        var cmd = new Command("receipt", "Download a succeeded job's receipt, verify it against the job's image id and parameters, and save it.");
        cmd.Arguments.Add(id);
        cmd.Options.Add(output);
        cmd.Options.Add(noVerify);
        node.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.RunAsync(async () =>
        {
            string jobId = RequireJobId(r.GetValue(id)!);
            var file = r.GetValue(output) ?? new FileInfo($"{jobId}.receipt");
            using var client = node.CreateClient(r);
            var bytes = await client.GetReceiptAsync(jobId, ct);
            // Verified before anything is written: a receipt that does not verify never lands on disk.
            string? verdict = r.GetValue(noVerify) ? null : DownloadedReceipt.Verify(bytes, await client.GetStatusAsync(jobId, ct));
            await File.WriteAllBytesAsync(file.FullName, bytes, ct);
            Console.WriteLine($"wrote the receipt of job {jobId} ({bytes.Length:N0} bytes) to {file.FullName}" + (verdict != null ? $"; {verdict}" : " (not verified)"));
            return 0;
        }));
        return cmd;
    }

    private static Command CreateCancel()
    {
        var id = JobIdArgument();
        var node = new NodeClientOptions();
        var cmd = new Command("cancel", "Cancel a running job (its tasks stop; agents hand them back).");
        cmd.Arguments.Add(id);
        node.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.RunAsync(async () =>
        {
            string jobId = RequireJobId(r.GetValue(id)!);
            using var client = node.CreateClient(r);
            var status = await client.CancelAsync(jobId, ct);
            Console.WriteLine($"job {jobId} {status.State.Name()}");
            return 0;
        }));
        return cmd;
    }
}
