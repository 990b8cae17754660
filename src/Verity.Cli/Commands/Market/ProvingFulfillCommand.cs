using System.CommandLine;
using System.Numerics;
using Verity.Chain.Contracts;
using Verity.Cluster.Client;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Market.Proving;
using Verity.Market.Requests;
using Verity.Market.Settings;
using Verity.Stark.Air.Parameters;
using Verity.Vm;
using Verity.Zkvm.Proving;

namespace Verity.Cli.Commands.Market;

/// <summary>
/// `verity proving fulfill`: gets a receipt for each request (proved through a node, an existing job's, or a file),
/// verifies it here against the request (image id, input, exit code 0, predicate), then fulfils all of them in one
/// transaction with development seals — on a devnet only.
/// </summary>
internal static class ProvingFulfillCommand
{
    public static Command Create()
    {
        var options = new MarketOptions("prover");
        var ids = new Argument<string[]>("id") { Description = "the request ids (several: one transaction for all)", Arity = ArgumentArity.ZeroOrMore };
        var requestIds = new Option<string?>("--request-ids") { Description = "more request ids, comma-separated" };
        var job = new Option<string?>("--job") { Description = "use this node job's receipt instead of proving (one request)" };
        var receiptFile = new Option<FileInfo?>("--receipt") { Description = "use this receipt file instead of proving (one request)" };
        var po2 = SegmentPo2Option.Create();
        var parameters = new Option<string>("--params") { Description = "STARK parameter set for new proofs and for --receipt (see `verity params`)", DefaultValueFactory = _ => StarkParameters.Default.Name };
        var unlockedAtRisk = new Option<bool>("--unlocked-at-risk")
        {
            Description = "fulfil requests nobody locked although they pay a price: paid only if the requestor still has the price when the fill is mined (lock first instead)",
        };
        var node = new NodeClientOptions();
        var cmd = new Command("fulfill", "Prove requests through a node (or take a job's receipt or a file), verify them here, and fulfil them in one transaction.");
        cmd.Arguments.Add(ids);
        foreach (var o in new Option[] { requestIds, job, receiptFile, po2, parameters, unlockedAtRisk }) cmd.Options.Add(o);
        node.AddTo(cmd);
        options.AddTo(cmd);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            bool asJson = r.GetValue(options.Json);
            var all = (r.GetValue(ids) ?? []).Concat((r.GetValue(requestIds) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(MarketOptions.ParseRequestId).Distinct().ToList();
            if (all.Count == 0) throw new CliException("give the request id(s) to fulfil.");
            if (all.Count > 64) throw new CliException($"at most 64 requests per fulfilment (MAX_BATCH), got {all.Count}.");
            string? jobId = r.GetValue(job);
            var file = r.GetValue(receiptFile);
            if (jobId != null && file != null) throw new CliException("give --job or --receipt, not both.");
            if ((jobId != null || file != null) && all.Count > 1) throw new CliException("--job and --receipt name one receipt: give one request id.");
            if (file is { Exists: false }) throw new CliException($"receipt file '{file.FullName}' does not exist.");
            int segmentPo2 = SegmentPo2Option.Check(r.GetValue(po2));
            var stark = StarkParameters.FromName(r.GetValue(parameters)!);

            var settings = options.Resolve(r);
            var session = await MarketSession.OpenAsync(settings, withKey: true, ct);
            // Refused before any proving: development seals go to a devnet only.
            ProverWorkflow.RequireDevelopment(session);
            var lookup = OrderStreamAccess.Lookup(settings);
            var found = new List<FoundRequest>();
            var now = await session.ChainTimeAsync(ct);
            foreach (var id in all)
            {
                var f = await RequestLookup.RequireAsync(session, id, lookup, ct);
                await ProverWorkflow.CheckFulfillableAsync(session, f.Request, now, ct, r.GetValue(unlockedAtRisk));
                found.Add(f);
            }

            using var fetcher = new HttpClient();
            var resources = new ResourceFetcher(fetcher);
            NodeClient? client = file is null ? node.CreateClient(r) : null;
            try
            {
                var proved = new List<ProvedRequest>();
                foreach (var f in found)
                {
                    var request = f.Request;
                    string id = MarketOutput.Id(request.Id);
                    byte[] input = request.Input.InputType == (byte)InputType.Url
                        ? await resources.FetchAsync(System.Text.Encoding.UTF8.GetString(request.Input.Data), $"request {id}'s input", ResourceFetcher.DefaultMaxBytes, ct)
                        : request.Input.Data;
                    byte[] receipt;
                    StarkParameters receiptParameters = stark;
                    if (file != null) receipt = await File.ReadAllBytesAsync(file.FullName, ct);
                    else if (jobId != null)
                    {
                        var status = await client!.GetStatusAsync(jobId, ct);
                        if (status.State != JobState.Succeeded) throw new CliFailureException($"job {jobId} is {status.State.Name()}, not succeeded: it has no receipt.");
                        receiptParameters = StarkParameters.FromName(status.Parameters);
                        receipt = await client.GetReceiptAsync(jobId, ct);
                    }
                    else receipt = await ProveAsync(client!, resources, request, input, segmentPo2, stark, asJson, ct);
                    // Always checked here: the node, a file or a job might hold a receipt for something else.
                    var journal = ReceiptCheck.Verify(receipt, request, input, receiptParameters);
                    MarketOutput.Note(asJson, $"request {id}: receipt verified here (image {MarketOutput.Hex(request.Requirements.ImageId)}, exit code 0, the request's input, predicate holds)");
                    proved.Add(new ProvedRequest(f, journal));
                }

                var transaction = await ProverWorkflow.FulfillAsync(session, proved, ct, r.GetValue(unlockedAtRisk));
                var fills = new List<RequestFulfilledEvent>();
                foreach (var p in proved)
                    fills.Add((await session.Market.FulfilledLogsAsync(p.Found.Request.Id, session.FromBlock, ct)).Last().Event);
                MarketOutput.Print(asJson, new
                {
                    transaction,
                    fulfilled = fills.Select(e => new
                    {
                        request_id = MarketOutput.Id(e.RequestId),
                        paid_to = e.Prover,
                        payment = MarketOutput.Wei(e.Payment),
                        bounty = MarketOutput.Wei(e.Bounty),
                        journal_hex = Convert.ToHexStringLower(e.Journal),
                    }).ToList(),
                    verification = ProverWorkflow.DevelopmentNote,
                },
                [
                    .. fills.Select(e => $"fulfilled {MarketOutput.Id(e.RequestId)}: {MarketOutput.Eth(e.Payment)} to {e.Prover}" + (e.Bounty > 0 ? $", bounty {MarketOutput.Stake(e.Bounty)}" : "")),
                    $"transaction {transaction}",
                    ProverWorkflow.DevelopmentNote,
                ]);
                return 0;
            }
            finally { client?.Dispose(); }
        }));
        return cmd;
    }

    /// <summary>
    /// Fetches the request's image (checking its image id is the request's), uploads it and the input to the node,
    /// creates a job, waits for it and downloads the receipt.
    /// </summary>
    private static async Task<byte[]> ProveAsync(NodeClient client, ResourceFetcher resources, ProofRequest request, byte[] input,
        int segmentPo2, StarkParameters stark, bool asJson, CancellationToken ct)
    {
        string id = MarketOutput.Id(request.Id);
        var elf = await resources.FetchAsync(request.ImageUrl, $"request {id}'s image", ElfLoader.MaxImageBytes, ct);
        ProgramImage image;
        try { image = ElfLoader.Load(elf, ElfLoader.MaxImageBytes); }
        catch (Exception e) when (e is ElfFormatException or ArgumentException)
        {
            throw new CliFailureException($"request {id}: the image at {request.ImageUrl} is not a loadable guest ELF: {e.Message}");
        }
        if (!image.ImageId.ToArray().AsSpan().SequenceEqual(request.Requirements.ImageId))
            throw new CliFailureException($"request {id}: the image at {request.ImageUrl} has image id {image.ImageId.ToHex()}, not the request's {Convert.ToHexStringLower(request.Requirements.ImageId)}");
        ReceiptSecurity.EnsureProvable(image, new ZkvmProveOptions { SegmentPo2 = segmentPo2, Parameters = stark });

        var uploaded = await client.UploadImageAsync(elf, ct);
        var inputId = (await client.UploadInputAsync(input, ct)).InputId;
        var created = await client.CreateJobAsync(new CreateJobRequest
        {
            // No job deadline: the request's is in chain time, which need not be the node's clock.
            ImageId = uploaded.ImageId, InputId = inputId, SegmentPo2 = segmentPo2, Parameters = stark.Name,
        }, ct);
        MarketOutput.Note(asJson, $"request {id}: proving as job {created.JobId} on {client.Node}");
        var final = await JobProgressBar.WaitAsync(client, created.JobId, show: !asJson, TimeSpan.FromMilliseconds(250), null, ct);
        if (final.State != JobState.Succeeded)
            throw new CliFailureException($"request {id}: job {created.JobId} {final.State.Name()}" + (final.Error != null ? $": {final.Error}" : ""));
        return await client.GetReceiptAsync(created.JobId, ct);
    }
}
