using System.CommandLine;
using Verity.Chain.Contracts;
using Verity.Market.Proving;
using Verity.Market.Requests;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Market;

/// <summary>
/// `verity request submit`: builds a request from a guest ELF (image id computed here, journal digest from a local
/// run), signs it (EIP-712) and publishes it on chain or to an order stream.
/// </summary>
internal static class RequestSubmitCommand
{
    public static Command Create()
    {
        var options = new MarketOptions("requestor");
        var elf = new Argument<FileInfo>("elf") { Description = "the guest program: a static RV32IM ELF" };
        var input = new GuestInputOptions();
        var inputUrl = new Option<string?>("--input-url") { Description = "the request carries this URL (http, https, file) instead of the input bytes; fetched here for the local run" };
        var maxPrice = new Option<string>("--max-price") { Description = "the most you pay: wei, or with a unit (0.01ether, 5gwei)", Required = true };
        var minPrice = new Option<string>("--min-price") { Description = "the price when bidding starts", DefaultValueFactory = _ => "0" };
        var rampUp = new Option<uint>("--ramp-up") { Description = "seconds from bidding start to the max price", DefaultValueFactory = _ => 60 };
        var lockTimeout = new Option<uint>("--lock-timeout") { Description = "seconds after bidding start: last moment to lock, and the locker's deadline", DefaultValueFactory = _ => 900 };
        var timeout = new Option<uint>("--timeout") { Description = "seconds after bidding start: the request's deadline", DefaultValueFactory = _ => 1800 };
        var collateral = new Option<string>("--collateral") { Description = "stake a locker puts up (base units, or 5ether = 5 tokens)", DefaultValueFactory = _ => "1ether" };
        var imageUrl = new Option<string?>("--image-url") { Description = "where provers fetch the ELF (default: file://<the ELF's absolute path>, this machine only)" };
        var predicate = new Option<string>("--predicate") { Description = "digest: the journal's SHA-256 must match the local run's; prefix: the journal must start with --journal-prefix", DefaultValueFactory = _ => "digest" };
        predicate.AcceptOnlyFromAmong("digest", "prefix");
        var journalPrefix = new Option<string?>("--journal-prefix") { Description = "hex bytes the journal must start with (--predicate prefix)" };
        var offchain = new Option<string?>("--offchain") { Description = "publish to this order stream (URL) instead of on chain; deposits the max price first when your balance is short" };
        var onchain = new Option<bool>("--onchain") { Description = "publish on chain (the default)" };
        var wait = new Option<bool>("--wait") { Description = "then wait for the fulfilment and print the journal (as `request wait`)" };
        var cmd = new Command("submit", "Submit a proof request for a guest program and its input.");
        cmd.Arguments.Add(elf);
        input.AddTo(cmd);
        foreach (var o in new Option[] { inputUrl, maxPrice, minPrice, rampUp, lockTimeout, timeout, collateral, imageUrl, predicate, journalPrefix, offchain, onchain, wait })
            cmd.Options.Add(o);
        options.AddTo(cmd);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            bool asJson = r.GetValue(options.Json);
            // Everything the user typed is checked before the chain is touched.
            var elfFile = r.GetValue(elf)!;
            if (!elfFile.Exists) throw new CliException($"ELF file '{elfFile.FullName}' does not exist.");
            string? url = r.GetValue(inputUrl);
            if (url != null && (r.GetValue(input.File) != null || r.GetValue(input.Hex) != null || r.GetValue(input.Text) != null))
                throw new CliException("Give --input-url or one of --input-file, --input-hex, --input-text, not both.");
            byte[]? prefix = null;
            if (r.GetValue(predicate) == "prefix")
            {
                var hex = r.GetValue(journalPrefix) ?? throw new CliException("--predicate prefix needs --journal-prefix HEX.");
                try { prefix = Convert.FromHexString(hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex); }
                catch (FormatException) { throw new CliException($"--journal-prefix is not hex: '{hex}'."); }
            }
            else if (r.GetValue(journalPrefix) != null) throw new CliException("--journal-prefix goes with --predicate prefix.");
            string? stream = r.GetValue(offchain);
            if (stream != null && r.GetValue(onchain)) throw new CliException("Give --offchain URL or --onchain, not both.");
            var max = EthAmount.Parse(r.GetValue(maxPrice)!, "--max-price");
            var min = EthAmount.Parse(r.GetValue(minPrice)!, "--min-price");
            var stakeAmount = EthAmount.Parse(r.GetValue(collateral)!, "--collateral");
            string image = r.GetValue(imageUrl) ?? new Uri(elfFile.FullName).AbsoluteUri;
            if (!Uri.TryCreate(image, UriKind.Absolute, out var imageUri) || imageUri.Scheme is not ("http" or "https" or "file"))
                throw new CliException($"--image-url '{image}' is not an absolute http, https or file URL.");

            var settings = options.Resolve(r);
            if (stream != null) settings = settings.WithOrderStream(stream, "--offchain");
            var session = await MarketSession.OpenAsync(settings, withKey: true, ct);
            byte[] inputBytes = url is null ? input.Read(r)
                : await new ResourceFetcher(new HttpClient()).FetchAsync(url, "input", ResourceFetcher.DefaultMaxBytes, ct);
            var plan = new RequestPlan
            {
                Elf = await File.ReadAllBytesAsync(elfFile.FullName, ct),
                ImageUrl = image,
                Input = inputBytes,
                InputUrl = url,
                JournalPrefix = prefix,
                MinPrice = min,
                MaxPrice = max,
                RampUpSeconds = r.GetValue(rampUp),
                LockTimeoutSeconds = r.GetValue(lockTimeout),
                TimeoutSeconds = r.GetValue(timeout),
                LockCollateral = stakeAmount,
                Selector = DevelopmentSeal.Selector,
            };
            var built = RequestBuilder.Build(plan, session.Address, await session.ChainTimeAsync(ct));
            var request = built.Request;
            if (imageUri.IsFile) MarketOutput.Note(asJson, $"note: the image URL is {image}: only provers on this machine can fetch it (give --image-url for others)");

            string where;
            string? transaction = null;
            System.Numerics.BigInteger deposited;
            long? seq = null;
            if (stream is null)
            {
                var submitted = await RequestorWorkflow.SubmitOnChainAsync(session, request, ct);
                (where, transaction, deposited) = ("chain", submitted.TransactionHash, submitted.Deposited);
            }
            else
            {
                var (signature, shortfall) = await RequestorWorkflow.PrepareOffChainAsync(session, request, ct);
                seq = await OrderStreamAccess.SubmitAsync(settings, request, signature, ct);
                (where, deposited) = ($"order stream {stream}", shortfall);
            }
            var offer = request.Offer;
            bool waitForIt = r.GetValue(wait);
            // With --wait --json the one JSON object printed is the fulfilment's (it names the request id too).
            if (!(waitForIt && asJson)) MarketOutput.Print(asJson, new
            {
                request_id = MarketOutput.Id(request.Id),
                requestor = session.Address,
                published = stream is null ? "chain" : "order-stream",
                order_seq = seq,
                transaction,
                image_id = MarketOutput.Hex(request.Requirements.ImageId),
                image_url = image,
                predicate = prefix is null ? "digest" : "prefix",
                predicate_data = MarketOutput.Hex(request.Requirements.Predicate.Data),
                journal_hex = Convert.ToHexStringLower(built.Journal),
                cycles = built.Cycles,
                min_price = MarketOutput.Wei(offer.MinPrice),
                max_price = MarketOutput.Wei(offer.MaxPrice),
                bidding_start = offer.BiddingStart,
                lock_deadline = offer.LockDeadline,
                deadline = offer.Deadline,
                lock_collateral = MarketOutput.Wei(offer.LockCollateral),
                deposited = MarketOutput.Wei(deposited),
            },
            [
                MarketOutput.Id(request.Id),
            ]);
            MarketOutput.Note(asJson, $"submitted request {MarketOutput.Id(request.Id)} to the {where}" + (transaction != null ? $" (transaction {transaction})" : "")
                + $": image {MarketOutput.Hex(request.Requirements.ImageId)}, {built.Cycles} cycles locally, price {MarketOutput.Eth(offer.MinPrice)} rising to {MarketOutput.Eth(offer.MaxPrice)}, "
                + $"lock by {offer.LockDeadline}, deadline {offer.Deadline} (chain time)" + (deposited > 0 ? $"; deposited {MarketOutput.Eth(deposited)}" : ""));
            if (!waitForIt) return 0;
            return await RequestStatusCommands.WaitAsync(session, request.Id, asJson, ct);
        }));
        return cmd;
    }
}
