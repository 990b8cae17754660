using System.Numerics;
using Nethereum.RPC.Eth.DTOs;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>
/// <see cref="MarketContract.FulfillAsync"/>'s decisions: it does not pay someone else's lock unless told to, commits
/// also near its own lock deadline, and does not reveal an open-path fill whose id another address holds (firstCommit).
/// </summary>
public class FulfilHelperTests(MarketFixture chain) : IClassFixture<MarketFixture>
{
    private readonly MarketScenario _s = new(chain);
    private static readonly BigInteger Eth = BigInteger.Pow(10, 18);

    private async Task<BigInteger> NonceAsync(string account) =>
        (await chain.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(account, BlockParameter.CreateLatest())).Value;

    [Fact]
    public async Task An_in_time_fill_of_another_provers_lock_is_refused_unless_pay_locker()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        await chain.Market(chain.Prover2).LockRequestAsync(r, sig);
        var fills = new[] { Requests.Fill(r, journal) };
        var before = await BalanceSnapshot.TakeAsync(chain);
        var nonce = await NonceAsync(chain.Prover.Address);

        var e = await Assert.ThrowsAsync<FillPaysLockerException>(() => chain.Market(chain.Prover).FulfillAsync(fills));
        Assert.Equal(chain.Prover2.Address, e.Locker, ignoreCase: true);
        Assert.Contains(e.Locker, e.Message, StringComparison.Ordinal);
        Assert.Equal(nonce, await NonceAsync(chain.Prover.Address));   // nothing sent: the seal stays private
        Assert.Empty(BalanceSnapshot.Diff(before, await BalanceSnapshot.TakeAsync(chain)));

        // Told to, it sends the fill, which pays the locker.
        await chain.Market(chain.Prover).FulfillAsync(fills, payLocker: true);
        Assert.Equal(chain.Prover2.Address, (await chain.Market().FulfilledLogsAsync(r.Id)).Single().Event.Prover, ignoreCase: true);
    }

    [Theory]
    [InlineData(120, true)]
    [InlineData(0, false)]
    public async Task A_locker_within_the_margin_of_its_lock_deadline_commits_first(ulong margin, bool commits)
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        await chain.Market(chain.Prover).LockRequestAsync(r, sig);
        await chain.Clock.MineAtAsync(r.Offer.LockDeadline - 60);
        var own = chain.Market(chain.Prover);
        var helper = new MarketContract(own.Web3, own.Address, own.Sender) { CommitMarginSeconds = margin };

        await helper.FulfillAsync([Requests.Fill(r, journal)]);
        Assert.Equal(commits, (await chain.Market().CommittedLogsAsync(r.Id)).Count == 1);
        Assert.Equal(chain.Prover.Address, (await chain.Market().FulfilledLogsAsync(r.Id)).Single().Event.Prover, ignoreCase: true);
    }

    [Fact]
    public async Task An_open_path_fill_of_an_id_another_address_holds_is_not_revealed()
    {
        await _s.FundAsync(Eth, 0);
        var (r, sig, journal) = await _s.NewRequestAsync();
        var fills = new[] { Requests.Fill(r, journal, sig) };
        await chain.Market(chain.Stranger).CommitFulfillmentAsync([r.Id], FulfillmentCommitment.Compute(chain.Stranger.Address, fills));
        var nonce = await NonceAsync(chain.Prover.Address);

        var e = await Assert.ThrowsAsync<FillCommittedByOtherException>(() => chain.Market(chain.Prover).FulfillAsync(fills));
        Assert.Equal(chain.Stranger.Address, e.Committer, ignoreCase: true);
        // Only its commitment was sent, no fill: the seal stays private.
        Assert.Equal(nonce + 1, await NonceAsync(chain.Prover.Address));
        Assert.Empty(await chain.Market().FulfilledLogsAsync(r.Id));
        Assert.Equal(RequestStatus.Unknown, await chain.Market().RequestStatusAsync(r.Id));
    }
}
