using System.Numerics;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>
/// Review R1: front-running attacks on fills. The attacker watches the public mempool (anvil with automine off), copies
/// or pre-empts a pending transaction with a higher priority fee, and the block orders the attacker first. The honest
/// prover follows the commit-reveal protocol (docs/MARKET.md §2): it commits to its fills, and once the commit is mined
/// publishes them. Each test states the property an honest prover needs.
/// </summary>
public class AttackTests(MarketFixture chain) : IClassFixture<MarketFixture>
{
    private readonly MarketScenario _s = new(chain);
    private readonly Mempool _pool = new(chain);
    private static readonly BigInteger Eth = BigInteger.Pow(10, 18);
    private static readonly BigInteger Gwei = Mempool.Gwei;

    /// <summary>The honest prover's commitment to <paramref name="fills"/>, mined before the fill is published.</summary>
    private Task CommitAsync(params Fulfillment[] fills) => chain.Market(chain.Prover).CommitFulfillmentAsync(
        [.. fills.Select(f => f.Request.Id)], FulfillmentCommitment.Compute(chain.Prover.Address, fills));

    /// <summary>
    /// The honest prover sends an unlocked fill; a stranger copies its calldata (journal and seal are public in the
    /// mempool) and sends it first. The copy finds no commitment for its sender (MissingFulfillmentCommitment), the
    /// prover's fill is paid.
    /// </summary>
    [Fact]
    public async Task A_pending_unlocked_fill_cannot_be_copied_by_another_sender_to_take_its_payment()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        var fills = new[] { Requests.Fill(r, journal, sig) };
        await CommitAsync(fills);
        var fill = new FulfillFunction { Fills = [.. fills] }.GetCallData();
        var before = await BalanceSnapshot.TakeAsync(chain);

        var (honest, copy) = await _pool.InOneBlockAsync(async () =>
        {
            var honestHash = await _pool.SendPendingAsync(2, fill, tip: 1 * Gwei);
            var seen = await chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(honestHash);
            var copyHash = await _pool.SendPendingAsync(4, seen.Input.HexToByteArray(), tip: 5 * Gwei);
            return (honestHash, copyHash);
        });

        var after = await BalanceSnapshot.TakeAsync(chain);
        var proverGot = after[$"eth {chain.Prover.Address}"] - before[$"eth {chain.Prover.Address}"];
        var strangerGot = after[$"eth {chain.Stranger.Address}"] - before[$"eth {chain.Stranger.Address}"];
        Assert.True(proverGot > 0 && strangerGot == 0,
            $"the copier was paid {strangerGot} wei for the prover's proof (copy status {await _pool.StatusAsync(copy)}, "
            + $"prover's fill status {await _pool.StatusAsync(honest)}, prover got {proverGot})");
        Assert.False(await _pool.SucceededAsync(copy), $"the copy succeeded: {await _pool.StatusAsync(copy)}");
    }

    /// <summary>
    /// The honest prover sends an unlocked fill; another prover sees it (request and client signature are in its
    /// calldata and in the order stream) and tries to lock the request first, so that the fill would go down the locked
    /// path and pay the locker. The commitment blocks locks: the lock reverts RequestIsCommitted, the prover is paid.
    /// </summary>
    [Fact]
    public async Task A_lock_sent_ahead_of_a_pending_unlocked_fill_does_not_take_its_payment()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        var fills = new[] { Requests.Fill(r, journal, sig) };
        await CommitAsync(fills);
        var fill = new FulfillFunction { Fills = [.. fills] }.GetCallData();
        var lockIt = new LockRequestFunction { Request = r, ClientSignature = sig }.GetCallData();
        var before = await BalanceSnapshot.TakeAsync(chain);

        var (honest, lockHash) = await _pool.InOneBlockAsync(async () =>
            (await _pool.SendPendingAsync(2, fill, tip: 1 * Gwei), await _pool.SendPendingAsync(3, lockIt, tip: 5 * Gwei)));

        var after = await BalanceSnapshot.TakeAsync(chain);
        var proverGot = after[$"eth {chain.Prover.Address}"] - before[$"eth {chain.Prover.Address}"];
        var lockerGot = after[$"eth {chain.Prover2.Address}"] - before[$"eth {chain.Prover2.Address}"];
        var lockerStake = after[$"stake {chain.Prover2.Address}"] - before[$"stake {chain.Prover2.Address}"];
        Assert.True(proverGot > 0 && lockerGot == 0 && lockerStake == 0,
            $"the front-running locker was paid {lockerGot} wei (stake change {lockerStake}) by the prover's own fill "
            + $"(lock status {await _pool.StatusAsync(lockHash)}, fill status {await _pool.StatusAsync(honest)}, prover got {proverGot})");
        Assert.False(await _pool.SucceededAsync(lockHash), $"the lock succeeded: {await _pool.StatusAsync(lockHash)}");
    }

    /// <summary>
    /// After the lock deadline an honest prover sends a secondary fill for the slashed locker's bounty; a stranger
    /// copies it and sends it first: the copy has no commitment and reverts, the prover takes the bounty.
    /// </summary>
    [Fact]
    public async Task A_pending_secondary_fill_cannot_be_copied_to_take_the_bounty()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        await chain.Market(chain.Prover2).LockRequestAsync(r, sig);
        await chain.Clock.MineAtAsync(r.Offer.BiddingStart + r.Offer.LockTimeout + 1);
        var fills = new[] { Requests.Fill(r, journal) };
        await CommitAsync(fills);
        var fill = new FulfillFunction { Fills = [.. fills] }.GetCallData();
        var before = await BalanceSnapshot.TakeAsync(chain);

        var (honest, copy) = await _pool.InOneBlockAsync(async () =>
        {
            var honestHash = await _pool.SendPendingAsync(2, fill, tip: 1 * Gwei);
            var seen = await chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(honestHash);
            return (honestHash, await _pool.SendPendingAsync(4, seen.Input.HexToByteArray(), tip: 5 * Gwei));
        });

        var after = await BalanceSnapshot.TakeAsync(chain);
        var proverGot = after[$"stake {chain.Prover.Address}"] - before[$"stake {chain.Prover.Address}"];
        var strangerGot = after[$"stake {chain.Stranger.Address}"] - before[$"stake {chain.Stranger.Address}"];
        Assert.True(proverGot > 0 && strangerGot == 0,
            $"the copier took a bounty of {strangerGot} stake units (copy {await _pool.StatusAsync(copy)}; "
            + $"prover's fill {await _pool.StatusAsync(honest)}; prover got {proverGot})");
    }

    /// <summary>
    /// Accepted risk, by policy (docs/MARKET.md §2, "Commit-reveal" and "Accepted risks"): an unlocked fill is paid only
    /// if the requestor's balance still covers the price when the fill is mined. A requestor who sees the fill pending
    /// can withdraw first: the fill reverts InsufficientBalance, nothing is paid, and the journal and seal were public.
    /// Provers lock first (escrow) for a non-zero price; the command line refuses such unlocked fills unless told
    /// --unlocked-at-risk. This test pins the behaviour so that a change to it is seen.
    /// </summary>
    [Fact]
    public async Task A_requestor_withdrawing_ahead_of_a_pending_unlocked_fill_makes_it_revert_unpaid()
    {
        await _s.FundAsync(0, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        var price = r.Offer.MinPrice;
        await chain.Market(chain.Requestor).DepositAsync(price);
        var fills = new[] { Requests.Fill(r, journal, sig) };
        await CommitAsync(fills);
        var fill = new FulfillFunction { Fills = [.. fills] }.GetCallData();
        var balance = await chain.Market().BalanceOfAsync(chain.Requestor.Address);
        var withdraw = new WithdrawFunction { Amount = balance }.GetCallData();
        var before = await BalanceSnapshot.TakeAsync(chain);

        var (honest, pulled) = await _pool.InOneBlockAsync(async () =>
            (await _pool.SendPendingAsync(2, fill, tip: 1 * Gwei), await _pool.SendPendingAsync(1, withdraw, tip: 5 * Gwei)));

        Assert.True(await _pool.SucceededAsync(pulled), $"withdraw: {await _pool.StatusAsync(pulled)}");
        Assert.False(await _pool.SucceededAsync(honest), $"fill: {await _pool.StatusAsync(honest)}");
        var after = await BalanceSnapshot.TakeAsync(chain);
        // Only the withdrawal moved money: out of the requestor's market balance and the market's wallet.
        Assert.Equal($"eth {chain.Requestor.Address}: {balance} -> 0; wallet market: {before["wallet market"]} -> {before["wallet market"] - balance}",
            BalanceSnapshot.Diff(before, after));
        Assert.Equal(RequestStatus.Unknown, await chain.Market().RequestStatusAsync(r.Id));
        // Why it reverted: the same fill now (its commitment is still there, the reverted fill did not use it).
        var e = await Reverts.AssertUnchangedAsync(chain, "InsufficientBalance", () => chain.Market(chain.Prover).SendFulfillAsync(fills));
        Assert.Equal(BigInteger.Zero, (BigInteger)e["have"]!);
    }
}
