using System.Numerics;
using Nethereum.Contracts;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>
/// The commit-reveal rules of docs/MARKET.md §2: an open-path fill needs its sender's commitment to exactly those fills
/// from an earlier block, at most COMMIT_WINDOW blocks old; a commitment blocks lockRequest for the window.
/// </summary>
public class CommitRevealTests(MarketFixture chain) : IClassFixture<MarketFixture>
{
    private const int Window = 64;
    private readonly MarketScenario _s = new(chain);
    private readonly Mempool _pool = new(chain);
    private static readonly BigInteger Eth = BigInteger.Pow(10, 18);

    private MarketContract Prover => chain.Market(chain.Prover);
    private Task<ContractError> Refused(string error, Func<Task> action) => Reverts.AssertUnchangedAsync(chain, error, action);

    private async Task<Fulfillment[]> UnlockedFillsAsync(int count)
    {
        var fills = new Fulfillment[count];
        for (var i = 0; i < count; i++)
        {
            var (r, sig, journal) = await _s.NewRequestAsync();
            fills[i] = Requests.Fill(r, journal, sig);
        }
        return fills;
    }

    private Task CommitAsync(MarketContract by, string prover, params Fulfillment[] fills) =>
        by.CommitFulfillmentAsync([.. fills.Select(f => f.Request.Id)], FulfillmentCommitment.Compute(prover, fills));

    [Fact]
    public async Task The_window_is_64_blocks() => Assert.Equal(Window, (int)await chain.Market().CommitWindowAsync());

    [Fact]
    public async Task An_open_path_fill_without_a_commitment_is_refused()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var fills = await UnlockedFillsAsync(1);
        var e = await Refused("MissingFulfillmentCommitment", () => Prover.SendFulfillAsync(fills));
        Assert.Equal(fills[0].Request.Id, (BigInteger)e["requestId"]!);

        // A secondary fill (lock deadline passed) is open-path too; an in-time locked fill in the same batch is not,
        // and the error names the first open-path fill.
        var (locked, lockedSig, lockedJournal) = await _s.NewRequestAsync();
        await chain.Market(chain.Prover2).LockRequestAsync(locked, lockedSig);
        var (expired, expiredSig, expiredJournal) = await _s.NewRequestAsync(startOffset: -200);
        await chain.Market(chain.Prover2).LockRequestAsync(expired, expiredSig);
        await chain.Clock.MineAtAsync(expired.Offer.LockDeadline + 1);
        e = await Refused("MissingFulfillmentCommitment", () => Prover.SendFulfillAsync(
            [Requests.Fill(locked, lockedJournal), Requests.Fill(expired, expiredJournal), fills[0]]));
        Assert.Equal(expired.Id, (BigInteger)e["requestId"]!);
        // The in-time locked fill alone needs none.
        await Prover.SendFulfillAsync([Requests.Fill(locked, lockedJournal)]);
        Assert.Equal(RequestStatus.Fulfilled, await chain.Market().RequestStatusAsync(locked.Id));
    }

    [Fact]
    public async Task A_commitment_from_the_same_block_does_not_count()
    {
        await _s.FundAsync(Eth, 0);
        var fills = await UnlockedFillsAsync(1);
        var commitment = FulfillmentCommitment.Compute(chain.Prover.Address, fills);
        var commit = new CommitFulfillmentFunction { Ids = [fills[0].Request.Id], Commitment = commitment }.GetCallData();
        var fill = new FulfillFunction { Fills = [.. fills] }.GetCallData();
        var nonce = await _pool.MinedNonceAsync(2);
        var before = await BalanceSnapshot.TakeAsync(chain);

        var (committed, filled) = await _pool.InOneBlockAsync(async () =>
            (await _pool.SendPendingAsync(2, commit, Mempool.Gwei, nonce), await _pool.SendPendingAsync(2, fill, Mempool.Gwei, nonce + 1)));

        Assert.True(await _pool.SucceededAsync(committed), await _pool.StatusAsync(committed));
        Assert.False(await _pool.SucceededAsync(filled), $"a fill in its commitment's block: {await _pool.StatusAsync(filled)}");
        Assert.Equal("", BalanceSnapshot.Diff(before, await BalanceSnapshot.TakeAsync(chain)));
        Assert.Equal(RequestStatus.Unknown, await chain.Market().RequestStatusAsync(fills[0].Request.Id));
        // The same commitment counts from the next block on: the block was the only thing wrong. Used, it is gone.
        Assert.NotEqual(BigInteger.Zero, await chain.Market().CommitmentBlockAsync(commitment));
        await Prover.SendFulfillAsync(fills);
        Assert.Equal(RequestStatus.Fulfilled, await chain.Market().RequestStatusAsync(fills[0].Request.Id));
        Assert.Equal(BigInteger.Zero, await chain.Market().CommitmentBlockAsync(commitment));
    }

    [Fact]
    public async Task A_commitment_binds_the_sender_of_the_fill()
    {
        await _s.FundAsync(Eth, 0);
        var fills = await UnlockedFillsAsync(1);
        // The prover's commitment does not let the stranger send the fill, nor does one the stranger sent for the prover.
        await CommitAsync(Prover, chain.Prover.Address, fills);
        await Refused("MissingFulfillmentCommitment", () => chain.Market(chain.Stranger).SendFulfillAsync(fills));
        var other = await UnlockedFillsAsync(1);
        await CommitAsync(chain.Market(chain.Stranger), chain.Prover.Address, other);
        await Refused("MissingFulfillmentCommitment", () => chain.Market(chain.Stranger).SendFulfillAsync(other));
        // Committing to the prover's fills (anyone may) serves nobody: the stranger is the id's first committer, which
        // only the sender of the fill may be (a held id: accepted griefing, docs/MARKET.md).
        await Refused("RequestCommittedByOther", () => Prover.SendFulfillAsync(other));
        Assert.Equal(RequestStatus.Unknown, await chain.Market().RequestStatusAsync(other[0].Request.Id));
    }

    [Fact]
    public async Task A_commitment_older_than_the_window_does_not_count()
    {
        await _s.FundAsync(Eth, 0);
        var fills = await UnlockedFillsAsync(2);
        var first = new[] { fills[0] };
        var second = new[] { fills[1] };
        await CommitAsync(Prover, chain.Prover.Address, first);
        var committedAt = await _pool.BlockNumberAsync();
        await CommitAsync(Prover, chain.Prover.Address, second);
        // The next transaction is mined in block committedAt + Window + 1: one block too late for the first commitment.
        await _pool.MineAsync(Window - 1);
        Assert.Equal(committedAt + Window, await _pool.BlockNumberAsync());
        await Refused("MissingFulfillmentCommitment", () => Prover.SendFulfillAsync(first));
        // The second, one block younger, is exactly Window blocks old when mined next: still good.
        await Prover.SendFulfillAsync(second);
        Assert.Equal(RequestStatus.Fulfilled, await chain.Market().RequestStatusAsync(fills[1].Request.Id));
        // An expired commitment can be made afresh.
        await CommitAsync(Prover, chain.Prover.Address, first);
        await Prover.SendFulfillAsync(first);
        Assert.Equal(RequestStatus.Fulfilled, await chain.Market().RequestStatusAsync(fills[0].Request.Id));
    }

    [Fact]
    public async Task A_commitment_covers_exactly_the_committed_fills_in_their_order()
    {
        await _s.FundAsync(Eth, 0);
        var fills = await UnlockedFillsAsync(2);
        await CommitAsync(Prover, chain.Prover.Address, fills);
        await Refused("MissingFulfillmentCommitment", () => Prover.SendFulfillAsync([fills[0]]));
        await Refused("MissingFulfillmentCommitment", () => Prover.SendFulfillAsync([fills[1], fills[0]]));
        var otherSignature = fills.Select(f => new Fulfillment { Request = f.Request, ClientSignature = [.. f.ClientSignature, 0],
            Journal = f.Journal, Seal = f.Seal }).ToArray();
        await Refused("MissingFulfillmentCommitment", () => Prover.SendFulfillAsync(otherSignature));
        await Prover.SendFulfillAsync(fills);
        Assert.Equal(RequestStatus.Fulfilled, await chain.Market().RequestStatusAsync(fills[1].Request.Id));
    }

    [Fact]
    public async Task A_committed_request_cannot_be_locked_until_the_window_has_passed()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, _) = await _s.NewRequestAsync();
        var fills = await UnlockedFillsAsync(1);
        fills[0] = new Fulfillment { Request = r, ClientSignature = sig, Journal = fills[0].Journal, Seal = fills[0].Seal };
        await CommitAsync(chain.Market(chain.Stranger), chain.Stranger.Address, fills);
        var committedAt = await _pool.BlockNumberAsync();
        Assert.Equal(committedAt + Window, await chain.Market().LockBlockedUntilAsync(r.Id));
        var committed = (await chain.Market().CommittedLogsAsync(r.Id)).Single().Event;
        Assert.Equal(chain.Stranger.Address, committed.Prover, ignoreCase: true);

        var e = await Refused("RequestIsCommitted", () => chain.Market(chain.Prover2).LockRequestAsync(r, sig));
        Assert.Equal(committedAt + Window, (BigInteger)e["untilBlock"]!);
        // A lock mined in the window's last block (the next one after committedAt + Window - 1) is refused, the one
        // after it goes through.
        await _pool.MineAsync(Window - 1);
        Assert.Equal(committedAt + Window - 1, await _pool.BlockNumberAsync());
        await Refused("RequestIsCommitted", () => chain.Market(chain.Prover2).LockRequestAsync(r, sig));
        await _pool.MineAsync(1);
        await chain.Market(chain.Prover2).LockRequestAsync(r, sig);
        Assert.Equal(RequestStatus.Locked, await chain.Market().RequestStatusAsync(r.Id));
    }

    [Fact]
    public async Task The_fulfil_helper_commits_first_and_does_not_publish_a_fill_that_a_lock_preempted()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var fills = await UnlockedFillsAsync(1);
        var r = fills[0].Request;
        var receipt = await Prover.FulfillAsync(fills);
        Assert.Equal(RequestStatus.Fulfilled, await chain.Market().RequestStatusAsync(r.Id));
        var committed = (await chain.Market().CommittedLogsAsync(r.Id)).Single();
        Assert.True(committed.Log.BlockNumber.Value < receipt.BlockNumber.Value);

        // A lock mined in the commit's block, ahead of it: the helper stops before the fill (which would pay the locker).
        var (q, qSig, qJournal) = await _s.NewRequestAsync();
        var lockIt = new LockRequestFunction { Request = q, ClientSignature = qSig }.GetCallData();
        var before = await BalanceSnapshot.TakeAsync(chain);
        Task<Nethereum.RPC.Eth.DTOs.TransactionReceipt>? helper = null;
        await _pool.InOneBlockAsync(async () =>
        {
            helper = Prover.FulfillAsync([Requests.Fill(q, qJournal, qSig)]);
            // Wait (condition, not time) until the helper's commit is in the pool, then lock with a higher tip.
            using var hangGuard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await _pool.PendingCountAsync() == 0)
            {
                hangGuard.Token.ThrowIfCancellationRequested();
                if (helper.IsCompleted) await helper;   // surfaces an early failure instead of spinning
                await Task.Yield();
            }
            return await _pool.SendPendingAsync(3, lockIt, tip: 50 * Mempool.Gwei);
        });
        var thrown = await Assert.ThrowsAsync<FillPreemptedException>(() => helper!.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(q.Id, thrown.RequestId);
        Assert.Equal(chain.Prover2.Address, thrown.Locker, ignoreCase: true);
        Assert.Empty(await chain.Market().FulfilledLogsAsync(q.Id));
        Assert.Equal(RequestStatus.Locked, await chain.Market().RequestStatusAsync(q.Id));
        Assert.Equal(chain.Prover2.Address, (await chain.Market().RequestLockAsync(q.Id)).Prover, ignoreCase: true);
        var after = await BalanceSnapshot.TakeAsync(chain);
        Assert.Equal(before[$"eth {chain.Prover.Address}"], after[$"eth {chain.Prover.Address}"]);
        Assert.Equal(before[$"stake {chain.Prover.Address}"], after[$"stake {chain.Prover.Address}"]);
    }
}
