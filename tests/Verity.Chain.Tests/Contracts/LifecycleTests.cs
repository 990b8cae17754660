using System.Numerics;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>Every balance change of the market, exactly (docs/MARKET.md §2 "Who is paid").</summary>
public class LifecycleTests(MarketFixture chain) : IClassFixture<MarketFixture>
{
    private readonly MarketScenario _s = new(chain);
    private static readonly BigInteger Eth = BigInteger.Pow(10, 18);
    private static readonly BigInteger Stake = 100 * Requests.Token;

    private static void AssertDelta(BalanceSnapshot before, BalanceSnapshot after, Dictionary<string, BigInteger> expected)
    {
        foreach (var key in before.Values.Keys)
        {
            var want = expected.TryGetValue(key, out var d) ? d : BigInteger.Zero;
            Assert.True(after[key] - before[key] == want, $"{key}: changed by {after[key] - before[key]}, expected {want}");
        }
    }

    [Fact]
    public async Task Deposits_and_withdrawals_move_exactly_the_amount()
    {
        var market = chain.Market(chain.Stranger);
        var before = await BalanceSnapshot.TakeAsync(chain);
        await market.DepositAsync(3 * Eth);
        await market.DepositToAsync(chain.Requestor.Address, 2 * Eth);
        await market.WithdrawAsync(Eth);
        var after = await BalanceSnapshot.TakeAsync(chain);
        AssertDelta(before, after, new()
        {
            [$"eth {chain.Stranger.Address}"] = 2 * Eth, [$"eth {chain.Requestor.Address}"] = 2 * Eth, ["wallet market"] = 4 * Eth,
        });

        var a = chain.Stranger.Address;
        await chain.Token(chain.Stranger).FaucetAsync(50 * Requests.Token);
        before = await BalanceSnapshot.TakeAsync(chain);
        await market.DepositStakeAsync(20 * Requests.Token);
        await market.DepositStakeWithPermitAsync(5 * Requests.Token, chain.StrangerKey, await chain.Clock.LatestTimestampAsync() + 3600);
        await market.WithdrawStakeAsync(7 * Requests.Token);
        after = await BalanceSnapshot.TakeAsync(chain);
        AssertDelta(before, after, new()
        {
            [$"stake {a}"] = 18 * Requests.Token, [$"token {a}"] = -18 * Requests.Token, ["token market"] = 18 * Requests.Token,
        });
        Assert.Equal(1, await chain.Token().NoncesAsync(a));
    }

    [Fact]
    public async Task Lock_then_fill_in_time_pays_the_locker_price_and_returns_collateral()
    {
        await _s.FundAsync(Eth, Stake);
        var (request, sig, journal) = await _s.NewRequestAsync(startOffset: -50);   // halfway up the 100 s ramp
        var before = await BalanceSnapshot.TakeAsync(chain);
        var lockAt = request.Offer.BiddingStart + 50;
        await chain.Clock.SetNextAsync(lockAt);
        var lockReceipt = await chain.Market(chain.Prover).LockRequestAsync(request, sig);
        var price = request.Offer.PriceAt(lockAt);
        Assert.Equal(1500 * Requests.Gwei, price);
        var afterLock = await BalanceSnapshot.TakeAsync(chain);
        AssertDelta(before, afterLock, new()
        {
            [$"eth {chain.Requestor.Address}"] = -price, [$"stake {chain.Prover.Address}"] = -request.Offer.LockCollateral,
        });
        var lockInfo = await chain.Market().RequestLockAsync(request.Id);
        Assert.Equal(chain.Prover.Address, lockInfo.Prover, ignoreCase: true);
        Assert.Equal(price, lockInfo.Price);
        Assert.Equal(request.Offer.LockDeadline, lockInfo.LockDeadline);
        Assert.Equal(request.Offer.Deadline, lockInfo.Deadline);
        Assert.Equal(chain.Digest.Hash(request), lockInfo.RequestDigest);
        Assert.Equal(RequestStatus.Locked, await chain.Market().RequestStatusAsync(request.Id));
        var locked = Assert.Single(await chain.Market().LockedLogsAsync(request.Id));
        Assert.Equal(price, locked.Event.Price);
        Assert.Equal(lockReceipt.TransactionHash, locked.Log.TransactionHash);

        // Sent by a stranger: the locker is paid all the same.
        await chain.Market(chain.Stranger).FulfillAsync([Requests.Fill(request, journal)], payLocker: true);
        var afterFill = await BalanceSnapshot.TakeAsync(chain);
        AssertDelta(afterLock, afterFill, new()
        {
            [$"eth {chain.Prover.Address}"] = price, [$"stake {chain.Prover.Address}"] = request.Offer.LockCollateral,
        });
        Assert.Equal(RequestStatus.Fulfilled, await chain.Market().RequestStatusAsync(request.Id));
        var fulfilled = Assert.Single(await chain.Market().FulfilledLogsAsync(request.Id));
        Assert.Equal(chain.Prover.Address, fulfilled.Event.Prover, ignoreCase: true);
        Assert.Equal(price, fulfilled.Event.Payment);
        Assert.Equal(journal, fulfilled.Event.Journal);
    }

    [Fact]
    public async Task Batched_fill_of_two_pays_each_lock()
    {
        await _s.FundAsync(Eth, Stake);
        var a = await _s.NewRequestAsync(startOffset: -200);   // past the ramp: maxPrice
        var b = await _s.NewRequestAsync(startOffset: -200, change: r => r.Offer.LockCollateral = 3 * Requests.Token);
        await chain.Market(chain.Prover).LockRequestAsync(a.Request, a.Signature);
        await chain.Market(chain.Prover2).LockRequestAsync(b.Request, b.Signature);
        var before = await BalanceSnapshot.TakeAsync(chain);
        await chain.Market(chain.Prover).FulfillAsync([Requests.Fill(a.Request, a.Journal), Requests.Fill(b.Request, b.Journal)], payLocker: true);
        var after = await BalanceSnapshot.TakeAsync(chain);
        AssertDelta(before, after, new()
        {
            [$"eth {chain.Prover.Address}"] = a.Request.Offer.MaxPrice, [$"stake {chain.Prover.Address}"] = a.Request.Offer.LockCollateral,
            [$"eth {chain.Prover2.Address}"] = b.Request.Offer.MaxPrice, [$"stake {chain.Prover2.Address}"] = 3 * Requests.Token,
        });
    }

    [Fact]
    public async Task Secondary_fill_after_the_lock_deadline_takes_the_bounty_and_burns_half()
    {
        await _s.FundAsync(Eth, Stake);
        var (request, sig, journal) = await _s.NewRequestAsync(startOffset: -200);
        await chain.Market(chain.Prover).LockRequestAsync(request, sig);
        var price = (await chain.Market().RequestLockAsync(request.Id)).Price;
        var before = await BalanceSnapshot.TakeAsync(chain);
        await chain.Clock.SetNextAsync(request.Offer.LockDeadline + 1);
        await chain.Market(chain.Prover2).FulfillAsync([Requests.Fill(request, journal)]);
        var after = await BalanceSnapshot.TakeAsync(chain);
        var half = request.Offer.LockCollateral / 2;
        AssertDelta(before, after, new()
        {
            [$"eth {chain.Requestor.Address}"] = price, [$"stake {chain.Prover2.Address}"] = half,
            ["token market"] = -half, ["totalSupply"] = -half,
        });
        Assert.Equal(RequestStatus.Fulfilled, await chain.Market().RequestStatusAsync(request.Id));
        var slashed = Assert.Single(await chain.Market().SlashedLogsAsync(request.Id));
        Assert.Equal(half, slashed.Event.Burned);
        var fill = Assert.Single(await chain.Market().FulfilledLogsAsync(request.Id));
        Assert.Equal(chain.Prover2.Address, fill.Event.Prover, ignoreCase: true);
        Assert.Equal(half, fill.Event.Bounty);
        Assert.Equal(0, fill.Event.Payment);
    }

    [Fact]
    public async Task Slash_burns_half_then_refund_returns_price_and_bounty_to_the_requestor()
    {
        await _s.FundAsync(Eth, Stake);
        var (request, sig, _) = await _s.NewRequestAsync(startOffset: -200);
        await chain.Market(chain.Prover).LockRequestAsync(request, sig);
        var price = (await chain.Market().RequestLockAsync(request.Id)).Price;
        var half = request.Offer.LockCollateral / 2;

        var before = await BalanceSnapshot.TakeAsync(chain);
        await chain.Clock.SetNextAsync(request.Offer.LockDeadline + 1);
        await chain.Market(chain.Stranger).SlashAsync(request.Id);
        var afterSlash = await BalanceSnapshot.TakeAsync(chain);
        AssertDelta(before, afterSlash, new() { ["token market"] = -half, ["totalSupply"] = -half });
        Assert.Equal(RequestStatus.Slashed, await chain.Market().RequestStatusAsync(request.Id));
        Assert.Equal(half, (await chain.Market().RequestLockAsync(request.Id)).Collateral);

        await chain.Clock.SetNextAsync(request.Offer.Deadline + 1);
        await chain.Market(chain.Stranger).RefundAsync(request.Id);
        var afterRefund = await BalanceSnapshot.TakeAsync(chain);
        AssertDelta(afterSlash, afterRefund, new()
        {
            [$"eth {chain.Requestor.Address}"] = price, [$"stake {chain.Requestor.Address}"] = half,
        });
        Assert.Equal(RequestStatus.Refunded, await chain.Market().RequestStatusAsync(request.Id));
        var refunded = Assert.Single(await chain.Market().RefundedLogsAsync(request.Id));
        Assert.Equal(price, refunded.Event.Price);
        Assert.Equal(half, refunded.Event.Bounty);
    }

    [Fact]
    public async Task Refund_after_timeout_slashes_first_when_nobody_did()
    {
        await _s.FundAsync(Eth, Stake);
        var (request, sig, _) = await _s.NewRequestAsync(startOffset: -200);
        await chain.Market(chain.Prover).LockRequestAsync(request, sig);
        var price = (await chain.Market().RequestLockAsync(request.Id)).Price;
        var half = request.Offer.LockCollateral / 2;
        var before = await BalanceSnapshot.TakeAsync(chain);
        await chain.Clock.SetNextAsync(request.Offer.Deadline + 1);
        await chain.Market(chain.Stranger).RefundAsync(request.Id);
        var after = await BalanceSnapshot.TakeAsync(chain);
        AssertDelta(before, after, new()
        {
            [$"eth {chain.Requestor.Address}"] = price, [$"stake {chain.Requestor.Address}"] = half,
            ["token market"] = -half, ["totalSupply"] = -half,
        });
        Assert.Single(await chain.Market().SlashedLogsAsync(request.Id));
    }

    [Fact]
    public async Task Unlocked_fill_pays_the_sender_the_auction_price()
    {
        await _s.FundAsync(Eth, 0);
        var (request, sig, journal) = await _s.NewRequestAsync(startOffset: -10);
        var at = request.Offer.BiddingStart + 37;
        // Commit first (docs/MARKET.md commit-reveal), so that the pinned timestamp is the fill's.
        Fulfillment[] fills = [Requests.Fill(request, journal, sig)];
        await chain.Market(chain.Prover2).CommitFulfillmentAsync([request.Id], FulfillmentCommitment.Compute(chain.Prover2.Address, fills));
        var before = await BalanceSnapshot.TakeAsync(chain);
        await chain.Clock.SetNextAsync(at);
        await chain.Market(chain.Prover2).SendFulfillAsync(fills);
        var after = await BalanceSnapshot.TakeAsync(chain);
        var price = request.Offer.PriceAt(at);
        Assert.Equal(1370 * Requests.Gwei, price);
        AssertDelta(before, after, new() { [$"eth {chain.Requestor.Address}"] = -price, [$"eth {chain.Prover2.Address}"] = price });
        Assert.Equal(RequestStatus.Fulfilled, await chain.Market().RequestStatusAsync(request.Id));
    }

    [Fact]
    public async Task Submit_request_credits_its_value_and_carries_the_request()
    {
        var (request, sig, _) = await _s.NewRequestAsync();
        var before = await BalanceSnapshot.TakeAsync(chain);
        await chain.Market(chain.Stranger).SubmitRequestAsync(request, sig, 5 * Requests.Gwei);
        var after = await BalanceSnapshot.TakeAsync(chain);
        AssertDelta(before, after, new() { [$"eth {chain.Requestor.Address}"] = 5 * Requests.Gwei, ["wallet market"] = 5 * Requests.Gwei });
        var submitted = Assert.Single(await chain.Market().SubmittedLogsAsync(request.Id));
        Assert.Equal(chain.Digest.Hash(request), chain.Digest.Hash(submitted.Event.Request));
        Assert.Equal(sig, submitted.Event.ClientSignature);
    }
}
