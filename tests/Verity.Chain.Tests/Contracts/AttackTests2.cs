using System.Numerics;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Verity.Chain.Contracts;
using Verity.Chain.Transactions;

namespace Verity.Chain.Tests.Contracts;

/// <summary>
/// Review R2: attacks on the commit-reveal fix (docs/MARKET.md §2, "Commit-reveal") and on the C# fulfil helper
/// (<see cref="MarketContract.FulfillAsync"/>). Each test passes only if the attack fails: a failing test is a finding.
/// </summary>
public class AttackTests2(MarketFixture chain) : IClassFixture<MarketFixture>
{
    private readonly MarketScenario _s = new(chain);
    private readonly Mempool _pool = new(chain);
    private static readonly BigInteger Eth = BigInteger.Pow(10, 18);
    private static readonly BigInteger Gwei = Mempool.Gwei;

    private Task CommitAsync(params Fulfillment[] fills) => chain.Market(chain.Prover).CommitFulfillmentAsync(
        [.. fills.Select(f => f.Request.Id)], FulfillmentCommitment.Compute(chain.Prover.Address, fills));

    /// <summary>What a copier reads from a published fulfil transaction: the fills, journal and seal included.</summary>
    private async Task<List<Fulfillment>> PublishedFillsAsync(string hash)
    {
        var seen = await chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash);
        return new FulfillFunction().DecodeInput(seen.Input).Fills;
    }

    /// <summary>Mempool.StatusAsync, or "dropped" for a transaction the node no longer knows.</summary>
    private async Task<string> StatusAsync(string hash) =>
        await chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash) is null ? "dropped from the pool" : await _pool.StatusAsync(hash);

    private static byte[] CommitCall(string prover, IReadOnlyList<Fulfillment> fills) => new CommitFulfillmentFunction
    {
        Ids = [.. fills.Select(f => f.Request.Id).Distinct()], Commitment = FulfillmentCommitment.Compute(prover, fills),
    }.GetCallData();

    /// <summary>
    /// Commit-reveal protects a reveal only if it is mined in the first block in which anyone can see it: a copier who
    /// sees the pending fill commits to the same fills under its own address, and if the honest fill is not in that
    /// block (a full block, a fee cap below a base fee spike, a builder that leaves it out), the copier's fill is valid
    /// one block later and is ordered first. Modelled with a base fee above the honest fill's fee cap for two blocks
    /// (anvil_setNextBlockBaseFeePerGas), the copier paying more. The copier takes the payment for the honest prover's proof.
    /// </summary>
    [Fact]
    public async Task A_pending_fill_that_misses_one_block_cannot_be_taken_by_a_copier_who_commits_meanwhile()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        var fills = new[] { Requests.Fill(r, journal, sig) };
        await CommitAsync(fills);
        var fill = new FulfillFunction { Fills = [.. fills] }.GetCallData();
        var before = await BalanceSnapshot.TakeAsync(chain);

        string honest, copy;
        await _pool.RpcAsync("evm_setAutomine", false);
        try
        {
            // Mempool.SendPendingAsync caps the fee at 20 × tip: 20 gwei for the honest fill, 100 gwei for the copier's
            // transactions. A base fee of 50 gwei (a busy spell) leaves the honest fill out of the next two blocks.
            honest = await _pool.SendPendingAsync(2, fill, tip: 1 * Gwei);
            var published = await PublishedFillsAsync(honest);
            await _pool.SendPendingAsync(4, CommitCall(chain.Stranger.Address, published), tip: 5 * Gwei);
            await _pool.RpcAsync("anvil_setNextBlockBaseFeePerGas", new HexBigInteger(50 * Gwei).HexValue);
            await _pool.RpcAsync("evm_mine");
            Assert.False(await _pool.SucceededAsync(honest), "the honest fill was mined with the copier's commit: no delay modelled");
            copy = await _pool.SendPendingAsync(4, new FulfillFunction { Fills = published }.GetCallData(), tip: 5 * Gwei);
            await _pool.RpcAsync("anvil_setNextBlockBaseFeePerGas", new HexBigInteger(50 * Gwei).HexValue);
            await _pool.RpcAsync("evm_mine");
            // The base fee falls back: a node that kept the honest fill mines it now, a block late (RequestIsFulfilled);
            // anvil has dropped it from its pool, underpriced.
            await _pool.RpcAsync("anvil_setNextBlockBaseFeePerGas", new HexBigInteger(1 * Gwei).HexValue);
            await _pool.RpcAsync("evm_mine");
        }
        finally
        {
            await _pool.RpcAsync("evm_setAutomine", true);
        }
        // The copy was refused (RequestCommittedByOther: the prover committed first). Anvil dropped the underpriced
        // honest fill; the prover sends it again, still within its commitment's window and first-commit hold.
        if (await chain.Web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(honest) is null)
            await chain.Market(chain.Prover).SendFulfillAsync(fills);

        var after = await BalanceSnapshot.TakeAsync(chain);
        var proverGot = after[$"eth {chain.Prover.Address}"] - before[$"eth {chain.Prover.Address}"];
        var strangerGot = after[$"eth {chain.Stranger.Address}"] - before[$"eth {chain.Stranger.Address}"];
        Assert.True(proverGot > 0 && strangerGot == 0,
            $"the copier was paid {strangerGot} wei for the prover's proof (copy {await StatusAsync(copy)}; "
            + $"prover's fill {await StatusAsync(honest)}; prover got {proverGot})");
    }

    /// <summary>
    /// The prover proves a request nobody has locked (`verity proving fulfill --unlocked-at-risk` checks the status
    /// before proving, which takes minutes); meanwhile a competitor locks it. The helper then sees an in-time locked
    /// fill, needs no commitment, and sends it: the fill pays the competitor the lock price and its collateral back for
    /// the prover's proof. The helper refuses this only when the lock lands between its own read and its commit
    /// (FillPreemptedException); a lock that landed before the call is paid just the same.
    /// </summary>
    [Fact]
    public async Task A_lock_taken_while_the_prover_proves_is_not_paid_by_the_helpers_fill()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        Assert.Equal(RequestStatus.Unknown, await chain.Market().RequestStatusAsync(r.Id));
        var fills = new[] { Requests.Fill(r, journal, sig) };
        // The competitor locks while the prover is proving.
        await chain.Market(chain.Prover2).LockRequestAsync(r, sig);
        var before = await BalanceSnapshot.TakeAsync(chain);

        Exception? refused = null;
        try
        {
            await chain.Market(chain.Prover).FulfillAsync(fills);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            refused = e;
        }

        var after = await BalanceSnapshot.TakeAsync(chain);
        var lockerGot = after[$"eth {chain.Prover2.Address}"] - before[$"eth {chain.Prover2.Address}"];
        var lockerStake = after[$"stake {chain.Prover2.Address}"] - before[$"stake {chain.Prover2.Address}"];
        Assert.True(lockerGot == 0 && lockerStake == 0,
            $"the helper published the prover's seal in a fill that paid the locker {lockerGot} wei and {lockerStake} stake "
            + $"(status {await chain.Market().RequestStatusAsync(r.Id)}, helper {(refused is null ? "returned" : "threw " + refused.GetType().Name)})");
    }

    /// <summary>
    /// The locker fulfils its own lock close to the lock deadline. The helper decides at the latest block's timestamp + 1
    /// that the fill is in time and sends it without a commitment; it is mined a block later than that (on a real chain
    /// the next block is ~12 s later), past the lock deadline, where it takes the open path and reverts
    /// MissingFulfillmentCommitment. Its seal is now public: a copier commits to it and takes the bounty a block later,
    /// although the locker, who made the proof, could have had it by committing first (a commitment costs an in-time fill
    /// nothing: the market reads it only for an open-path fill).
    /// </summary>
    [Fact]
    public async Task A_locker_filling_near_its_lock_deadline_does_not_publish_a_seal_a_copier_can_use()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        await chain.Market(chain.Prover).LockRequestAsync(r, sig);
        var lockDeadline = r.Offer.BiddingStart + r.Offer.LockTimeout;
        await chain.Clock.MineAtAsync(lockDeadline - 1);
        var fills = new[] { Requests.Fill(r, journal) };
        var before = await BalanceSnapshot.TakeAsync(chain);

        Task<TransactionReceipt>? helper = null;
        await _pool.RpcAsync("evm_setAutomine", false);
        try
        {
            // Pin the pending block's time at the lock deadline, so the node's gas estimate sees an in-time fill.
            await chain.Clock.SetNextAsync(lockDeadline);
            helper = chain.Market(chain.Prover).FulfillAsync(fills);
            using var hangGuard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await _pool.PendingCountAsync() == 0)
            {
                hangGuard.Token.ThrowIfCancellationRequested();
                if (helper.IsCompleted) await helper;
                await Task.Yield();
            }
            // The block that includes it comes one slot (12 s) later than the helper assumed.
            await chain.Clock.SetNextAsync(lockDeadline + 12);
            await _pool.RpcAsync("evm_mine");
        }
        finally
        {
            await _pool.RpcAsync("evm_setAutomine", true);
        }
        try
        {
            await helper!.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TransactionRevertedException)
        {
            // The locker's fill reverted after it was published: the copier's turn.
        }

        if (await chain.Market().RequestStatusAsync(r.Id) != RequestStatus.Fulfilled)
        {
            var fulfilTx = (await chain.Web3.Eth.Blocks.GetBlockWithTransactionsByNumber.SendRequestAsync(BlockParameter.CreateLatest()))
                .Transactions.Single(t => string.Equals(t.From, chain.Prover.Address, StringComparison.OrdinalIgnoreCase));
            var published = await PublishedFillsAsync(fulfilTx.TransactionHash);
            var copier = chain.Market(chain.Stranger);
            await copier.CommitFulfillmentAsync([.. published.Select(f => f.Request.Id)],
                FulfillmentCommitment.Compute(chain.Stranger.Address, published));
            await copier.SendFulfillAsync(published);
        }

        var after = await BalanceSnapshot.TakeAsync(chain);
        var proverGot = after[$"stake {chain.Prover.Address}"] - before[$"stake {chain.Prover.Address}"];
        var strangerGot = after[$"stake {chain.Stranger.Address}"] - before[$"stake {chain.Stranger.Address}"];
        Assert.True(strangerGot == 0 && proverGot > 0,
            $"the copier took a bounty of {strangerGot} stake units with the locker's published seal (locker got {proverGot})");
    }
}
