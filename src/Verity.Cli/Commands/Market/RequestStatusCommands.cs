using System.CommandLine;
using System.Numerics;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Util;
using Verity.Chain.Contracts;
using Verity.Market.Proving;
using Verity.Market.Requests;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Market;

/// <summary>`verity request status | wait | list | refund`.</summary>
internal static class RequestStatusCommands
{
    /// <summary>How often `request wait` reads the chain.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static Command CreateStatus()
    {
        var options = new MarketOptions("requestor");
        var id = MarketOptions.RequestIdArgument();
        var cmd = new Command("status", "Show a request's state: open, locked (by whom, until when), fulfilled, slashed, refunded, expired.");
        cmd.Arguments.Add(id);
        options.AddTo(cmd);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            var requestId = MarketOptions.ParseRequestId(r.GetValue(id)!);
            var settings = options.Resolve(r);
            var session = await MarketSession.OpenAsync(settings, withKey: false, ct);
            var state = await RequestorWorkflow.StateAsync(session, requestId, OrderStreamAccess.Lookup(settings), ct);
            if (state.Phase == "unknown") throw new MarketActionException(UnknownMessage(session, requestId, settings));
            var offer = state.Found?.Request.Offer;
            var l = state.Lock;
            var lines = new List<string>
            {
                $"request {MarketOutput.Id(requestId)}: {state.Phase}",
                $"requestor      {RequestId.Requestor(requestId)}",
            };
            if (state.Found is { } f) lines.Add($"found in       {f.Source}");
            if (offer != null)
            {
                lines.Add($"price now      {MarketOutput.Eth(offer.PriceAt(state.ChainTime))} ({MarketOutput.Eth(offer.MinPrice)} → {MarketOutput.Eth(offer.MaxPrice)})");
                lines.Add($"lock deadline  {offer.LockDeadline}, deadline {offer.Deadline} (chain time {state.ChainTime})");
            }
            if (l != null && state.Status != RequestStatus.Unknown)
                lines.Add($"lock           prover {l.Prover} at {MarketOutput.Eth(l.Price)}, collateral {MarketOutput.Stake(l.Collateral)}");
            MarketOutput.Print(r.GetValue(options.Json), new
            {
                request_id = MarketOutput.Id(requestId),
                status = state.Status.ToString().ToLowerInvariant(),
                phase = state.Phase,
                requestor = RequestId.Requestor(requestId),
                found_in = state.Found?.Source,
                chain_time = state.ChainTime,
                price_now = offer is null ? null : MarketOutput.Wei(offer.PriceAt(state.ChainTime)),
                lock_deadline = offer?.LockDeadline,
                deadline = offer?.Deadline,
                prover = l?.Prover,
                lock_price = l is null ? null : MarketOutput.Wei(l.Price),
                collateral = l is null ? null : MarketOutput.Wei(l.Collateral),
            }, lines);
            return 0;
        }));
        return cmd;
    }

    public static Command CreateWait()
    {
        var options = new MarketOptions("requestor");
        var id = MarketOptions.RequestIdArgument();
        var cmd = new Command("wait", "Wait until a request is fulfilled, check the journal against its predicate and the seal through the router, and print the journal.");
        cmd.Arguments.Add(id);
        options.AddTo(cmd);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            var requestId = MarketOptions.ParseRequestId(r.GetValue(id)!);
            var session = await MarketSession.OpenAsync(options.Resolve(r), withKey: false, ct);
            return await WaitAsync(session, requestId, r.GetValue(options.Json), ct);
        }));
        return cmd;
    }

    /// <summary>Polls the chain until the request is fulfilled (0) or can no longer be (1: refunded, or past its deadline).</summary>
    public static async Task<int> WaitAsync(MarketSession session, BigInteger requestId, bool asJson, CancellationToken ct)
    {
        var found = await RequestLookup.RequireAsync(session, requestId, OrderStreamAccess.Lookup(session.Settings), ct);
        var request = found.Request;
        MarketOutput.Note(asJson, $"waiting for request {MarketOutput.Id(requestId)} (deadline {request.Offer.Deadline}, chain time; Ctrl-C stops waiting)");
        while (true)
        {
            var status = await session.Market.RequestStatusAsync(requestId, ct);
            if (status == RequestStatus.Fulfilled)
            {
                var fill = await RequestorWorkflow.FulfilmentAsync(session, requestId, request, ct)
                    ?? throw new MarketActionException($"request {MarketOutput.Id(requestId)} is fulfilled but its RequestFulfilled event was not found");
                string verdict = fill.DevelopmentSeal ? ProverWorkflow.DevelopmentNote : $"seal accepted by the router ({fill.SealVerdict})";
                MarketOutput.Print(asJson, new
                {
                    request_id = MarketOutput.Id(requestId),
                    status = "fulfilled",
                    prover = fill.Prover,
                    payment = MarketOutput.Wei(fill.Payment),
                    journal_hex = Convert.ToHexStringLower(fill.Journal),
                    seal_hex = Convert.ToHexStringLower(fill.Seal),
                    development_seal = fill.DevelopmentSeal,
                    verification = verdict,
                },
                [
                    $"request {MarketOutput.Id(requestId)} fulfilled by {fill.Prover} for {MarketOutput.Eth(fill.Payment)}",
                    $"journal: {JournalText.Describe(fill.Journal)}",
                    $"journal predicate checked; {verdict}",
                ]);
                return 0;
            }
            if (status == RequestStatus.Refunded)
                throw new MarketActionException($"request {MarketOutput.Id(requestId)} was refunded: it will not be fulfilled");
            if (await session.ChainTimeAsync(ct) > request.Offer.Deadline)
                throw new MarketActionException($"request {MarketOutput.Id(requestId)} expired unfulfilled at {request.Offer.Deadline} (chain time; RequestIsExpired)"
                    + (status is RequestStatus.Locked or RequestStatus.Slashed ? ": `verity request refund` returns its price" : ""));
            await Task.Delay(PollInterval, ct);
        }
    }

    public static Command CreateList()
    {
        var options = new MarketOptions("requestor");
        var requestor = new Option<string?>("--requestor") { Description = "whose requests (default: the signer's address)" };
        var cmd = new Command("list", "List a requestor's requests (from the chain's events and the order stream) with their state.");
        cmd.Options.Add(requestor);
        options.AddTo(cmd);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            string? given = r.GetValue(requestor);
            if (given != null && !AddressUtil.Current.IsValidEthereumAddressHexFormat(given))
                throw new CliException($"--requestor '{given}' is not an Ethereum address (0x and 40 hex digits).");
            var settings = options.Resolve(r);
            var session = await MarketSession.OpenAsync(settings, withKey: given is null, ct);
            string who = given is null ? session.Address : AddressUtil.Current.ConvertToChecksumAddress(given);

            // Ids from the chain's RequestSubmitted and RequestLocked events (an off-chain request shows up once locked)
            // and from the order stream; requestor = the id's upper bits.
            var ids = new SortedSet<BigInteger>();
            var submitted = session.Web3.Eth.GetEvent<RequestSubmittedEvent>(session.Market.Address);
            foreach (var e in await submitted.GetAllChangesAsync(submitted.CreateFilterInput(session.FromBlock, BlockParameter.CreateLatest())).WaitAsync(ct))
                ids.Add(e.Event.RequestId);
            var locked = session.Web3.Eth.GetEvent<RequestLockedEvent>(session.Market.Address);
            foreach (var e in await locked.GetAllChangesAsync(locked.CreateFilterInput(session.FromBlock, BlockParameter.CreateLatest())).WaitAsync(ct))
                ids.Add(e.Event.RequestId);
            foreach (var o in await OrderStreamAccess.ListAsync(settings, who, ct)) ids.Add(o.RequestId);
            ids.RemoveWhere(id => !string.Equals(RequestId.Requestor(id), who, StringComparison.OrdinalIgnoreCase));

            var lookup = OrderStreamAccess.Lookup(settings);
            var rows = new List<(BigInteger Id, RequestState State)>();
            foreach (var id in ids) rows.Add((id, await RequestorWorkflow.StateAsync(session, id, lookup, ct)));
            MarketOutput.Print(r.GetValue(options.Json), new
            {
                requestor = who,
                requests = rows.Select(x => new
                {
                    request_id = MarketOutput.Id(x.Id),
                    status = x.State.Status.ToString().ToLowerInvariant(),
                    phase = x.State.Phase,
                    found_in = x.State.Found?.Source,
                    deadline = x.State.Found?.Request.Offer.Deadline,
                }).ToList(),
            },
            rows.Count == 0 ? [$"no requests of {who}"]
                : rows.Select(x => $"{MarketOutput.Id(x.Id)}  {x.State.Phase}"));
            return 0;
        }));
        return cmd;
    }

    public static Command CreateRefund() => RequestActionCommand.Create("refund",
        "After the deadline of a locked request nobody fulfilled: return its price to the requestor's balance (anyone may send it).",
        "requestor", async (session, requestId, ct) =>
        {
            var receipt = await session.Market.RefundAsync(requestId, ct);
            var refunded = (await session.Market.RefundedLogsAsync(requestId, session.FromBlock, ct)).Last().Event;
            return (new
            {
                request_id = MarketOutput.Id(requestId),
                requestor = refunded.Requestor,
                price = MarketOutput.Wei(refunded.Price),
                bounty = MarketOutput.Wei(refunded.Bounty),
                transaction = receipt.TransactionHash,
            }, $"request {MarketOutput.Id(requestId)} refunded: {MarketOutput.Eth(refunded.Price)} back to {refunded.Requestor}'s balance, {MarketOutput.Stake(refunded.Bounty)} unclaimed bounty to its stake (transaction {receipt.TransactionHash})");
        });

    public static string UnknownMessage(MarketSession session, BigInteger id, MarketSettings settings) =>
        $"request {MarketOutput.Id(id)} is unknown: no RequestSubmitted or RequestLocked event on chain {session.ChainId}"
        + (settings.OrderStreamUrl is null ? " (and no --order-stream to look in)" : " and not in the order stream");
}
