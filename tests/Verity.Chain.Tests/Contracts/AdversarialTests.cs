using System.Numerics;
using Nethereum.ABI;
using Nethereum.ABI.Encoders;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>Several fields changed consistently, re-entry, double collection: each attempt refused and paid at most once.</summary>
public class AdversarialTests(MarketFixture chain) : IClassFixture<MarketFixture>
{
    private readonly MarketScenario _s = new(chain);
    private static readonly BigInteger Eth = BigInteger.Pow(10, 18);

    /// <summary>Request B: same id as A, a richer offer, validly signed by the same requestor.</summary>
    private (ProofRequest B, byte[] SigB) Twin(ProofRequest a)
    {
        var b = Requests.Clone(a);
        b.Offer.MinPrice = b.Offer.MaxPrice = a.Offer.MaxPrice * 3;
        b.Offer.LockCollateral = 1;
        return (b, chain.Digest.Sign(b, MarketFixture.DevKeys[1]));
    }

    [Fact]
    public async Task A_same_id_twin_cannot_be_locked_twice_nor_fulfilled_to_collect_twice()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (a, sigA, journal) = await _s.NewRequestAsync();
        var (b, sigB) = Twin(a);
        await chain.Market(chain.Prover).LockRequestAsync(a, sigA);
        await Reverts.AssertUnchangedAsync(chain, "RequestIsLocked", () => chain.Market(chain.Prover2).LockRequestAsync(b, sigB));
        await Reverts.AssertUnchangedAsync(chain, "RequestDigestMismatch",
            () => chain.Market(chain.Prover2).FulfillAsync([Requests.Fill(b, journal, sigB)], payLocker: true));
        await chain.Market(chain.Prover).FulfillAsync([Requests.Fill(a, journal)]);
        await Reverts.AssertUnchangedAsync(chain, "RequestIsFulfilled", () => chain.Market(chain.Prover2).FulfillAsync([Requests.Fill(b, journal, sigB)]));
        await Reverts.AssertUnchangedAsync(chain, "RequestIsFulfilled", () => chain.Market(chain.Prover).FulfillAsync([Requests.Fill(a, journal)]));
        Assert.Single(await chain.Market().FulfilledLogsAsync(a.Id));
    }

    [Fact]
    public async Task An_unlocked_fill_ends_the_id_for_every_twin()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (a, sigA, journal) = await _s.NewRequestAsync();
        var (b, sigB) = Twin(a);
        await chain.Market(chain.Prover).FulfillAsync([Requests.Fill(a, journal, sigA)]);
        await Reverts.AssertUnchangedAsync(chain, "RequestIsFulfilled", () => chain.Market(chain.Prover2).FulfillAsync([Requests.Fill(b, journal, sigB)]));
        await Reverts.AssertUnchangedAsync(chain, "RequestIsFulfilled", () => chain.Market(chain.Prover2).LockRequestAsync(b, sigB));
        // The same fill twice in one batch is all-or-nothing.
        var (c, sigC, journalC) = await _s.NewRequestAsync();
        await Reverts.AssertUnchangedAsync(chain, "RequestIsFulfilled",
            () => chain.Market(chain.Prover).FulfillAsync([Requests.Fill(c, journalC, sigC), Requests.Fill(c, journalC, sigC)]));
    }

    [Fact]
    public async Task A_request_cannot_be_charged_to_an_address_that_did_not_sign_it()
    {
        await chain.Market(chain.Stranger).DepositAsync(Eth);
        await _s.FundAsync(0, 100 * Requests.Token);
        var (r, _, journal) = await _s.NewRequestAsync();
        r.Id = RequestId.Create(chain.Stranger.Address, chain.NextIndex());   // the stranger pays, the requestor signs
        var sig = chain.Digest.Sign(r, MarketFixture.DevKeys[1]);
        await Reverts.AssertUnchangedAsync(chain, "InvalidSignature", () => chain.Market(chain.Prover).LockRequestAsync(r, sig));
        await Reverts.AssertUnchangedAsync(chain, "InvalidSignature", () => chain.Market(chain.Prover).FulfillAsync([Requests.Fill(r, journal, sig)]));
    }

    [Fact]
    public async Task A_signature_made_for_another_market_or_chain_is_refused()
    {
        await _s.FundAsync(Eth, 100 * Requests.Token);
        var (r, _, _) = await _s.NewRequestAsync();
        var otherMarket = new RequestDigest(chain.ChainIdValue, chain.Addresses.Router).Sign(r, MarketFixture.DevKeys[1]);
        var otherChain = new RequestDigest(1, chain.Addresses.Market).Sign(r, MarketFixture.DevKeys[1]);
        await Reverts.AssertUnchangedAsync(chain, "InvalidSignature", () => chain.Market(chain.Prover).LockRequestAsync(r, otherMarket));
        await Reverts.AssertUnchangedAsync(chain, "InvalidSignature", () => chain.Market(chain.Prover).LockRequestAsync(r, otherChain));
    }

    [Fact]
    public async Task A_reentrant_withdraw_is_refused_and_pays_once()
    {
        var receiver = await MarketDeployment.DeployAsync(chain.Deployer, RepositoryFiles.TestArtifact("ReentrantReceiver"),
            [new ABIValue("address", chain.Addresses.Market)]);
        var walletBefore = (await chain.Web3.Eth.GetBalance.SendRequestAsync(receiver)).Value;
        // Deposits 2 ETH, withdraws 1; on receiving it, tries to withdraw 1 more (which its balance would allow).
        await chain.Deployer.SendAsync(new(receiver,
            [.. RevertTests.Selector("depositAndWithdraw(uint256)"), .. new IntTypeEncoder().Encode(Eth)], 2 * Eth, "reenter"));
        Assert.Equal(walletBefore + Eth, (await chain.Web3.Eth.GetBalance.SendRequestAsync(receiver)).Value);
        Assert.Equal(Eth, await chain.Market().BalanceOfAsync(receiver));
        var attempts = await chain.Web3.Eth.Transactions.Call.SendRequestAsync(new Nethereum.RPC.Eth.DTOs.CallInput
        {
            To = receiver, Data = "0x" + Convert.ToHexStringLower(RevertTests.Selector("reentryAttempts()")),
        });
        Assert.Equal(1, new Nethereum.Hex.HexTypes.HexBigInteger(attempts).Value);
        var revert = await chain.Web3.Eth.Transactions.Call.SendRequestAsync(new Nethereum.RPC.Eth.DTOs.CallInput
        {
            To = receiver, Data = "0x" + Convert.ToHexStringLower(RevertTests.Selector("reentryRevertData()")),
        });
        var data = new Nethereum.ABI.FunctionEncoding.FunctionCallDecoder().DecodeSimpleTypeOutput<byte[]>(
            new Nethereum.ABI.Model.Parameter("bytes"), revert);
        Assert.Equal("ReentrancyGuardReentrantCall", MarketErrors.Name(data));
    }
}
