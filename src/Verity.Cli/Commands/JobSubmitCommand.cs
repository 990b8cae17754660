using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Stark.Air.Parameters;
using Verity.Zkvm.Proving;

namespace Verity.Cli.Commands;

/// <summary>`verity job submit`: uploads a program and its input, creates a job, and optionally waits for its receipt.</summary>
internal static class JobSubmitCommand
{
    public static Command Create()
    {
        var elf = new Argument<FileInfo>("elf") { Description = "guest program: a static RV32IM ELF executable" };
        var inputOptions = new GuestInputOptions();
        var po2 = SegmentPo2Option.Create();
        var parameters = new Option<string>("--params") { Description = "STARK parameter set (see `verity params`)", DefaultValueFactory = _ => StarkParameters.Default.Name };
        var executeOnly = new Option<bool>("--execute-only") { Description = "only run the guest (cycles, segments, journal); no proof" };
        var maxCycles = new Option<long?>("--max-cycles") { Description = "stop the run with an error after this many cycles (node default: 2^32)" };
        var deadline = new Option<string?>("--deadline") { Description = "when the proof is due: an ISO 8601 time (2030-01-02T03:04:05Z) or +minutes from now (+30); earlier deadlines are proved first" };
        var priority = new Option<int>("--priority") { Description = "tie-breaker after the deadline: higher first" };
        var wait = new Option<bool>("--wait") { Description = "wait for the job to end (progress bar), then download the receipt" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "receipt file (implies --wait; default: <elf>.receipt)" };
        var noVerify = new Option<bool>("--no-verify") { Description = "with --wait: save the receipt without verifying it against the job's image id, input and parameters" };
        var json = new Option<bool>("--json") { Description = "print one JSON object (no progress display)" };
        var node = new NodeClientOptions();
        var cmd = new Command("submit", "Upload a guest and its input to a node and create a proving job.");
        cmd.Arguments.Add(elf);
        inputOptions.AddTo(cmd);
        foreach (var o in new Option[] { po2, parameters, executeOnly, maxCycles, deadline, priority, wait, output, noVerify, json }) cmd.Options.Add(o);
        node.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.RunAsync(async () =>
        {
            // Everything is checked before the first upload, so a bad argument leaves nothing on the node.
            var program = ProveCommand.LoadImage(r.GetValue(elf)!);
            var elfFile = r.GetValue(elf)!;
            var input = inputOptions.Read(r);
            int segmentPo2 = r.GetValue(po2);
            SegmentPo2Option.Check(segmentPo2);
            string paramsName = r.GetValue(parameters)!;
            var stark = StarkParameters.FromName(paramsName);
            // The prover would refuse this segment size for security when the job reaches it: say so now, as `prove` does.
            if (!r.GetValue(executeOnly))
                ReceiptSecurity.EnsureProvable(program, new ZkvmProveOptions { SegmentPo2 = segmentPo2, Parameters = stark });
            if (r.GetValue(maxCycles) is { } mc && (mc < 1 || mc >= 1L << 38)) throw new CliException($"--max-cycles must be in 1..2^38-1, got {mc}.");
            var due = r.GetValue(deadline) is { } d ? ParseDeadline(d, DateTimeOffset.UtcNow) : (DateTimeOffset?)null;
            var receiptFile = r.GetValue(output);
            bool waitForIt = r.GetValue(wait) || receiptFile != null;
            bool asJson = r.GetValue(json);
            if (receiptFile != null && r.GetValue(executeOnly)) throw new CliException("--output makes no sense with --execute-only: an execute-only job has no receipt.");

            using var client = node.CreateClient(r);
            var image = await client.UploadImageAsync(await File.ReadAllBytesAsync(elfFile.FullName, ct), ct);
            if (!string.Equals(image.ImageId, program.ImageId.ToHex(), StringComparison.OrdinalIgnoreCase))
                throw new CliFailureException($"the node computed image id {image.ImageId} for {elfFile.Name}, but it is {program.ImageId.ToHex()} here: the node runs a different zkVM version.");
            var uploaded = await client.UploadInputAsync(input, ct);
            var created = await client.CreateJobAsync(new CreateJobRequest
            {
                ImageId = image.ImageId,
                InputId = uploaded.InputId,
                SegmentPo2 = segmentPo2,
                Parameters = paramsName,
                ExecuteOnly = r.GetValue(executeOnly),
                MaxCycles = r.GetValue(maxCycles),
                Deadline = due,
                Priority = r.GetValue(priority),
            }, ct);
            string jobId = created.JobId;

            if (!waitForIt)
            {
                if (asJson) Console.WriteLine(JsonSerializer.Serialize(new { job_id = jobId, image_id = image.ImageId, input_id = uploaded.InputId }));
                else
                {
                    Console.WriteLine(jobId);
                    Console.Error.WriteLine($"submitted job {jobId} (image {image.ImageId}, input {uploaded.InputId}, {input.Length} bytes); follow it with `verity job status {jobId}`");
                }
                return 0;
            }

            if (!asJson) Console.Error.WriteLine($"submitted job {jobId}; waiting (Ctrl-C stops waiting, not the job)");
            var final = await JobProgressBar.WaitAsync(client, jobId, show: !asJson, TimeSpan.FromSeconds(1), null, ct);
            string? written = null;
            if (final.State == JobState.Succeeded && !final.ExecuteOnly)
            {
                var file = receiptFile ?? new FileInfo(elfFile.FullName + ".receipt");
                var bytes = await client.GetReceiptAsync(jobId, ct);
                // As `verity job receipt`: verified before anything is written (simulated receipts prove nothing).
                if (!r.GetValue(noVerify) && !final.Simulated) DownloadedReceipt.Verify(bytes, final);
                await File.WriteAllBytesAsync(file.FullName, bytes, ct);
                written = file.FullName;
            }
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    job_id = jobId,
                    image_id = image.ImageId,
                    input_id = uploaded.InputId,
                    state = final.State.Name(),
                    error = final.Error,
                    cycles = final.Cycles,
                    segments = final.Segments,
                    exit_code = final.ExitCode,
                    journal_hex = final.JournalHex,
                    wall_ms = final.FinishedAt is { } f ? (f - final.CreatedAt).TotalMilliseconds : (double?)null,
                    receipt = written,
                    receipt_bytes = final.ReceiptBytes,
                }));
            }
            else AnsiConsole.Write(JobStatusTable.Render(final, written));
            if (final.State == JobState.Succeeded) return 0;
            Console.Error.WriteLine($"error: job {jobId} {final.State.Name()}" + (final.Error != null ? $": {final.Error}" : ""));
            return 1;
        }));
        return cmd;
    }

    /// <summary>Parses "+minutes" (from <paramref name="now"/>) or an ISO 8601 time (UTC unless it names an offset); it must be in the future.</summary>
    internal static DateTimeOffset ParseDeadline(string text, DateTimeOffset now)
    {
        text = text.Trim();
        DateTimeOffset due;
        if (text.StartsWith('+'))
        {
            if (!double.TryParse(text[1..], NumberStyles.Float, CultureInfo.InvariantCulture, out double minutes) || !double.IsFinite(minutes) || minutes <= 0 || minutes > 525_600)
                throw new CliException($"--deadline '{text}': +minutes must be a positive number of minutes (at most a year).");
            due = now.AddMinutes(minutes);
        }
        else if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out due))
            throw new CliException($"--deadline '{text}' is neither an ISO 8601 time (2030-01-02T03:04:05Z) nor +minutes.");
        if (due <= now) throw new CliException($"--deadline {due:O} has already passed.");
        return due;
    }
}
