using System.CommandLine;
using Verity.Chain.Contracts;
using Verity.Market.Proving;
using Verity.Market.Requests;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Market;

/// <summary>`verity proving lock | price | slash | fulfill`: the prover's side of the market.</summary>
internal static class ProvingCommand
{
    public static Command Create()
    {
        var proving = new Command("proving", "Prove for the market: price and lock requests, fulfil them through a node, slash expired locks.");
        proving.Subcommands.Add(CreateLock());
        proving.Subcommands.Add(CreatePrice());
        proving.Subcommands.Add(CreateSlash());
        proving.Subcommands.Add(ProvingFulfillCommand.Create());
        return proving;
    }

    private static Command CreateLock()
    {
        var options = new MarketOptions("prover");
        var id = MarketOptions.RequestIdArgument();
        var cmd = new Command("lock", "Lock a request at its current price, putting up its collateral from your stake (checked first).");
        cmd.Arguments.Add(id);
        options.AddTo(cmd);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            var requestId = MarketOptions.ParseRequestId(r.GetValue(id)!);
            var settings = options.Resolve(r);
            var session = await MarketSession.OpenAsync(settings, withKey: true, ct);
            var found = await RequestLookup.RequireAsync(session, requestId, OrderStreamAccess.Lookup(settings), ct);
            var locked = await ProverWorkflow.LockAsync(session, found, ct);
            MarketOutput.Print(r.GetValue(options.Json), new
            {
                request_id = MarketOutput.Id(requestId),
                prover = session.Address,
                price = MarketOutput.Wei(locked.Price),
                collateral = MarketOutput.Wei(locked.Collateral),
                lock_deadline = locked.LockDeadline,
                deadline = found.Request.Offer.Deadline,
                found_in = found.Source,
                transaction = locked.TransactionHash,
            }, [$"locked request {MarketOutput.Id(requestId)} at {MarketOutput.Eth(locked.Price)} with {MarketOutput.Stake(locked.Collateral)} collateral; fulfil by {locked.LockDeadline} (chain time) or be slashed (transaction {locked.TransactionHash})"]);
            return 0;
        }));
        return cmd;
    }

    private static Command CreatePrice()
    {
        var options = new MarketOptions("prover");
        var id = MarketOptions.RequestIdArgument();
        var cmd = new Command("price", "Show what locking a request pays now, and its auction.");
        cmd.Arguments.Add(id);
        options.AddTo(cmd);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            var requestId = MarketOptions.ParseRequestId(r.GetValue(id)!);
            var settings = options.Resolve(r);
            var session = await MarketSession.OpenAsync(settings, withKey: false, ct);
            var found = await RequestLookup.RequireAsync(session, requestId, OrderStreamAccess.Lookup(settings), ct);
            var offer = found.Request.Offer;
            var now = await session.ChainTimeAsync(ct);
            var status = await session.Market.RequestStatusAsync(requestId, ct);
            // The contract's own priceAt for the next block's time (at least one second later): what a lock now pays.
            var price = await session.Market.PriceAtAsync(offer, now + 1, ct);
            MarketOutput.Print(r.GetValue(options.Json), new
            {
                request_id = MarketOutput.Id(requestId),
                status = status.ToString().ToLowerInvariant(),
                price = MarketOutput.Wei(price),
                chain_time = now,
                min_price = MarketOutput.Wei(offer.MinPrice),
                max_price = MarketOutput.Wei(offer.MaxPrice),
                bidding_start = offer.BiddingStart,
                ramp_up_end = offer.BiddingStart + offer.RampUpPeriod,
                lock_deadline = offer.LockDeadline,
                deadline = offer.Deadline,
                collateral = MarketOutput.Wei(offer.LockCollateral),
            },
            [
                $"request {MarketOutput.Id(requestId)} ({status.ToString().ToLowerInvariant()}): price {MarketOutput.Eth(price)} at chain time {now + 1}",
                $"auction: {MarketOutput.Eth(offer.MinPrice)} at {offer.BiddingStart} rising to {MarketOutput.Eth(offer.MaxPrice)} at {offer.BiddingStart + offer.RampUpPeriod}; lock by {offer.LockDeadline}, deadline {offer.Deadline}",
                $"collateral {MarketOutput.Stake(offer.LockCollateral)}",
            ]);
            return 0;
        }));
        return cmd;
    }

    private static Command CreateSlash() => RequestActionCommand.Create("slash",
        "Slash a lock whose prover missed its lock deadline: half its collateral is burned, half is the bounty for whoever fulfils before the deadline.",
        "prover", async (session, requestId, ct) =>
        {
            var receipt = await session.Market.SlashAsync(requestId, ct);
            var slashed = (await session.Market.SlashedLogsAsync(requestId, session.FromBlock, ct)).Last().Event;
            return (new
            {
                request_id = MarketOutput.Id(requestId),
                prover = slashed.Prover,
                burned = MarketOutput.Wei(slashed.Burned),
                bounty = MarketOutput.Wei(slashed.Bounty),
                transaction = receipt.TransactionHash,
            }, $"slashed {slashed.Prover} on request {MarketOutput.Id(requestId)}: {MarketOutput.Stake(slashed.Burned)} burned, {MarketOutput.Stake(slashed.Bounty)} bounty for whoever fulfils it in time (transaction {receipt.TransactionHash})");
        });
}
