using System.Numerics;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>
/// The first live committer of an id holds it for COMMIT_WINDOW blocks (docs/MARKET.md §2, "Commit-reveal"): only it
/// may send an open-path fill of the id; anyone else's reveal reverts RequestCommittedByOther.
/// </summary>
public class FirstCommitTests(MarketFixture chain) : IClassFixture<MarketFixture>
{
    private const int Window = 64;
    private readonly MarketScenario _s = new(chain);
    private readonly Mempool _pool = new(chain);
    private static readonly BigInteger Eth = BigInteger.Pow(10, 18);

    private MarketContract Prover => chain.Market(chain.Prover);
    private MarketContract Stranger => chain.Market(chain.Stranger);
    private Task<ContractError> Refused(string error, Func<Task> action) => Reverts.AssertUnchangedAsync(chain, error, action);

    private async Task<Fulfillment[]> UnlockedFillAsync()
    {
        var (r, sig, journal) = await _s.NewRequestAsync();
        return [Requests.Fill(r, journal, sig)];
    }

    private static Task CommitAsync(MarketContract by, string prover, Fulfillment[] fills) =>
        by.CommitFulfillmentAsync([.. fills.Select(f => f.Request.Id)], FulfillmentCommitment.Compute(prover, fills));

    [Fact]
    public async Task A_second_committers_reveal_is_refused_and_the_first_committers_succeeds()
    {
        await _s.FundAsync(Eth, 0);
        var fills = await UnlockedFillAsync();
        var id = fills[0].Request.Id;
        await CommitAsync(Prover, chain.Prover.Address, fills);
        var committedAt = await _pool.BlockNumberAsync();
        await CommitAsync(Stranger, chain.Stranger.Address, fills);
        var (holder, block) = await chain.Market().FirstCommitAsync(id);
        Assert.Equal(chain.Prover.Address, holder, ignoreCase: true);
        Assert.Equal(committedAt, block);

        var e = await Refused("RequestCommittedByOther", () => Stranger.SendFulfillAsync(fills));
        Assert.Equal(chain.Prover.Address, (string)e["committer"]!, ignoreCase: true);
        Assert.Equal(committedAt + Window, (BigInteger)e["untilBlock"]!);
        await Prover.SendFulfillAsync(fills);
        var paid = (await chain.Market().FulfilledLogsAsync(id)).Single().Event.Prover;
        Assert.Equal(chain.Prover.Address, paid, ignoreCase: true);
    }

    [Fact]
    public async Task After_the_window_a_new_first_committer_takes_over()
    {
        await _s.FundAsync(Eth, 0);
        var fills = await UnlockedFillAsync();
        var id = fills[0].Request.Id;
        await CommitAsync(Prover, chain.Prover.Address, fills);
        var committedAt = await _pool.BlockNumberAsync();
        await _pool.MineAsync(Window - 1);
        // Mined in block committedAt + Window: the prover's hold is still live.
        await CommitAsync(Stranger, chain.Stranger.Address, fills);
        Assert.Equal(chain.Prover.Address, (await chain.Market().FirstCommitAsync(id)).Committer, ignoreCase: true);
        // One block later it has lapsed: the stranger's commit takes the id.
        await CommitAsync(Stranger, chain.Stranger.Address, fills);
        var takenAt = await _pool.BlockNumberAsync();
        Assert.Equal(committedAt + Window + 1, takenAt);
        var taken = await chain.Market().FirstCommitAsync(id);
        Assert.Equal(chain.Stranger.Address, taken.Committer, ignoreCase: true);
        Assert.Equal((ulong)takenAt, taken.BlockNumber);

        // The prover commits afresh (its old commitment expired) but gets no priority back.
        await CommitAsync(Prover, chain.Prover.Address, fills);
        Assert.Equal(chain.Stranger.Address, (await chain.Market().FirstCommitAsync(id)).Committer, ignoreCase: true);
        var e = await Refused("RequestCommittedByOther", () => Prover.SendFulfillAsync(fills));
        Assert.Equal(chain.Stranger.Address, (string)e["committer"]!, ignoreCase: true);
        Assert.Equal(takenAt + Window, (BigInteger)e["untilBlock"]!);
        await Stranger.SendFulfillAsync(fills);
        Assert.Equal(chain.Stranger.Address, (await chain.Market().FulfilledLogsAsync(id)).Single().Event.Prover, ignoreCase: true);
    }

    [Fact]
    public async Task An_in_time_fill_of_a_lock_ignores_the_first_committer()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, sig, journal) = await _s.NewRequestAsync();
        await chain.Market(chain.Prover).LockRequestAsync(r, sig);
        var fills = new[] { Requests.Fill(r, journal) };
        await CommitAsync(Stranger, chain.Stranger.Address, fills);
        Assert.Equal(chain.Stranger.Address, (await chain.Market().FirstCommitAsync(r.Id)).Committer, ignoreCase: true);
        await Prover.SendFulfillAsync(fills);
        Assert.Equal(chain.Prover.Address, (await chain.Market().FulfilledLogsAsync(r.Id)).Single().Event.Prover, ignoreCase: true);
    }
}
