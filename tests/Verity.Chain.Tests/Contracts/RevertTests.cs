using System.Numerics;
using Nethereum.ABI;
using Nethereum.ABI.Encoders;
using Nethereum.Contracts;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>Every revert path of docs/MARKET.md §2's tables: the named error, and no balance anywhere changed.</summary>
public class RevertTests(MarketFixture chain) : IClassFixture<MarketFixture>
{
    private readonly MarketScenario _s = new(chain);
    private static readonly BigInteger Eth = BigInteger.Pow(10, 18);
    private static readonly BigInteger Stake = 100 * Requests.Token;

    private Task<ContractError> Refused(string error, Func<Task> action) => Reverts.AssertUnchangedAsync(chain, error, action);

    [Fact]
    public async Task Balances()
    {
        var m = chain.Market(chain.Stranger);
        await Refused("ZeroAmount", () => m.DepositAsync(0));
        await Refused("ZeroAmount", () => m.DepositToAsync(chain.Requestor.Address, 0));
        await m.DepositAsync(Eth);
        await Refused("ZeroAmount", () => m.WithdrawAsync(0));
        await Refused("ZeroAmount", () => m.WithdrawStakeAsync(0));
        var e = await Refused("InsufficientBalance", async () => await m.WithdrawAsync(await m.BalanceOfAsync(chain.Stranger.Address) + 1));
        Assert.Equal(chain.Stranger.Address, (string)e["account"]!, ignoreCase: true);

        await Refused("ZeroAmount", () => m.DepositStakeAsync(0));
        // No allowance: the token refuses the transferFrom.
        await chain.Token(chain.Stranger).FaucetAsync(10 * Requests.Token);
        await Refused("ERC20InsufficientAllowance", () => chain.Stranger.SendAsync(new(chain.Addresses.Market,
            new DepositStakeFunction { Amount = 5 * Requests.Token }.GetCallData(), 0, "deposit stake without allowance")));
        var deadline = await chain.Clock.LatestTimestampAsync() + 3600;
        // A permit signed by another key, and one past its deadline.
        var nonce = await chain.Token().NoncesAsync(chain.Stranger.Address);
        var forged = StakePermit.Sign(chain.RequestorKey, chain.Addresses.Market, 5 * Requests.Token, nonce, deadline, chain.ChainIdValue,
            chain.Addresses.StakeToken);
        await Refused("ERC2612InvalidSigner", () => chain.Stranger.SendAsync(new(chain.Addresses.Market, new DepositStakeWithPermitFunction
        {
            Amount = 5 * Requests.Token, Deadline = deadline, V = forged.V, R = forged.R, S = forged.S,
        }.GetCallData(), 0, "deposit stake with another key's permit")));
        await Refused("ERC2612ExpiredSignature", () => m.DepositStakeWithPermitAsync(5 * Requests.Token, chain.StrangerKey, 1));
        await Refused("InsufficientStake", async () =>
            await m.WithdrawStakeAsync(await m.StakeBalanceOfAsync(chain.Stranger.Address) + 1));
    }

    [Fact]
    public async Task Withdraw_to_a_contract_that_refuses_ETH_is_TransferFailed()
    {
        var receiver = await MarketDeployment.DeployAsync(chain.Deployer, RepositoryFiles.TestArtifact("RejectingReceiver"),
            [new ABIValue("address", chain.Addresses.Market)]);
        await chain.Deployer.SendAsync(new(receiver, Selector("deposit()"), Eth, "receiver deposit"));
        var before = await chain.Market().BalanceOfAsync(receiver);
        var ex = await Assert.ThrowsAsync<Verity.Chain.Transactions.TransactionRevertedException>(() => chain.Deployer.SendAsync(
            new(receiver, [.. Selector("withdraw(uint256)"), .. new IntTypeEncoder().Encode(Eth)], 0, "receiver withdraw")));
        Assert.Equal("TransferFailed", MarketErrors.Name(ex.RevertData));
        Assert.Equal(before, await chain.Market().BalanceOfAsync(receiver));
    }

    internal static byte[] Selector(string signature) =>
        Nethereum.Util.Sha3Keccack.Current.CalculateHash(System.Text.Encoding.ASCII.GetBytes(signature))[..4];

    public static TheoryData<string> InvalidOffers => ["minAboveMax", "maxPrice2^96", "collateral2^96", "rampAboveLock", "lockZero",
        "lockAboveTimeout", "selectorZero", "idHighBits", "deadlineOverflow", "collateralZero", "requestorZero"];

    private static void MakeInvalid(ProofRequest r, string how)
    {
        switch (how)
        {
            case "minAboveMax": r.Offer.MinPrice = r.Offer.MaxPrice + 1; break;
            case "maxPrice2^96": r.Offer.MaxPrice = BigInteger.One << 96; break;
            case "collateral2^96": r.Offer.LockCollateral = BigInteger.One << 96; break;
            case "rampAboveLock": r.Offer.RampUpPeriod = r.Offer.LockTimeout + 1; break;
            case "lockZero": r.Offer.LockTimeout = 0; r.Offer.RampUpPeriod = 0; break;
            case "lockAboveTimeout": r.Offer.LockTimeout = r.Offer.Timeout + 1; break;
            case "selectorZero": r.Requirements.Selector = new byte[4]; break;
            case "idHighBits": r.Id |= BigInteger.One << 200; break;
            case "deadlineOverflow": r.Offer.BiddingStart = ulong.MaxValue - 10; break;
            // A lock without collateral is a free option; requestor bits 0 name the zero address.
            case "collateralZero": r.Offer.LockCollateral = 0; break;
            case "requestorZero": r.Id &= uint.MaxValue; break;
        }
    }

    [Theory]
    [MemberData(nameof(InvalidOffers))]
    public async Task Invalid_requests_are_refused_by_submit_lock_and_unlocked_fill(string how)
    {
        await _s.FundAsync(Eth, Stake);
        var (request, _, journal) = await _s.NewRequestAsync(change: r => MakeInvalid(r, how));
        var sig = chain.Digest.Sign(request, MarketFixture.DevKeys[1]);
        await Refused("InvalidRequest", () => chain.Market(chain.Requestor).SubmitRequestAsync(request, sig, Requests.Gwei));
        await Refused("InvalidRequest", () => chain.Market(chain.Prover).LockRequestAsync(request, sig));
        var fill = Requests.Fill(request, journal, sig);
        if (how == "selectorZero") fill.Seal[..4].CopyTo(request.Requirements.Selector, 0);   // keep the selector check out of the way
        if (how != "selectorZero") await Refused("InvalidRequest", () => chain.Market(chain.Prover).FulfillAsync([fill]));
    }

    [Fact]
    public async Task Submit_after_the_deadline_is_RequestIsExpired()
    {
        var (request, sig, _) = await _s.NewRequestAsync(startOffset: -1000);
        await Refused("RequestIsExpired", () => chain.Market(chain.Requestor).SubmitRequestAsync(request, sig, Requests.Gwei));
    }

    [Fact]
    public async Task Lock_refusals()
    {
        await _s.FundAsync(Eth, Stake);
        var prover = chain.Market(chain.Prover);

        var (r1, sig1, j1) = await _s.NewRequestAsync();
        await Refused("InvalidSignature", () => prover.LockRequestAsync(r1, chain.Digest.Sign(r1, MarketFixture.DevKeys[4])));
        await Refused("InvalidSignature", () => prover.LockRequestAsync(r1, sig1[..64]));
        await prover.LockRequestAsync(r1, sig1);
        await Refused("RequestIsLocked", () => chain.Market(chain.Prover2).LockRequestAsync(r1, sig1));
        await prover.FulfillAsync([Requests.Fill(r1, j1)]);
        await Refused("RequestIsFulfilled", () => chain.Market(chain.Prover2).LockRequestAsync(r1, sig1));

        var (r2, sig2, _) = await _s.NewRequestAsync(startOffset: -301);   // lockTimeout 300: just past the lock deadline
        await Refused("RequestLockIsExpired", () => prover.LockRequestAsync(r2, sig2));

        var (r3, sig3, _) = await _s.NewRequestAsync(change: r => r.Offer.MinPrice = r.Offer.MaxPrice = 1000 * Eth);
        var e = await Refused("InsufficientBalance", () => prover.LockRequestAsync(r3, sig3));
        Assert.Equal(chain.Requestor.Address, (string)e["account"]!, ignoreCase: true);

        var (r4, sig4, _) = await _s.NewRequestAsync(change: r => r.Offer.LockCollateral = 1_000_000_000 * Requests.Token);
        await Refused("InsufficientStake", () => prover.LockRequestAsync(r4, sig4));
    }

    [Fact]
    public async Task Fulfill_refusals()
    {
        await _s.FundAsync(Eth, Stake);
        var prover = chain.Market(chain.Prover);
        var (r, sig, journal) = await _s.NewRequestAsync();
        await prover.LockRequestAsync(r, sig);

        await Refused("BatchTooLarge", () => prover.FulfillAsync(Enumerable.Repeat(Requests.Fill(r, journal), 65).ToList()));

        var wrongSelector = Requests.Fill(r, journal);
        wrongSelector.Seal[0] ^= 1;
        await Refused("SelectorMismatch", () => prover.FulfillAsync([wrongSelector]));

        await Refused("PredicateFailed", () => prover.FulfillAsync([Requests.Fill(r, [.. journal, 0])]));

        var shortSeal = Requests.Fill(r, journal);
        shortSeal.Seal = shortSeal.Seal[..3];
        await Refused("MalformedSeal", () => prover.FulfillAsync([shortSeal]));

        // A seal for another image, and one for another journal, under the development selector.
        var otherImage = Requests.Fill(r, journal);
        otherImage.Seal = DevelopmentSeal.Create(new byte[32], journal);
        await Refused("VerificationFailed", () => prover.FulfillAsync([otherImage]));
        var otherJournal = Requests.Fill(r, journal);
        otherJournal.Seal = DevelopmentSeal.Create(r.Requirements.ImageId, [.. journal, 1]);
        await Refused("VerificationFailed", () => prover.FulfillAsync([otherJournal]));

        // A locked request fulfilled with a changed body.
        var changed = Requests.Clone(r);
        changed.ImageUrl += "?other";
        await Refused("RequestDigestMismatch", () => prover.FulfillAsync([Requests.Fill(changed, journal)]));

        await prover.FulfillAsync([Requests.Fill(r, journal)]);
        await Refused("RequestIsFulfilled", () => prover.FulfillAsync([Requests.Fill(r, journal)]));

        // Locked, past the deadline.
        var (late, lateSig, lateJournal) = await _s.NewRequestAsync();
        await prover.LockRequestAsync(late, lateSig);
        await chain.Clock.MineAtAsync(late.Offer.Deadline + 1);
        await Refused("RequestIsExpired", () => prover.FulfillAsync([Requests.Fill(late, lateJournal)]));
    }

    [Fact]
    public async Task Unlocked_fill_refusals()
    {
        await _s.FundAsync(Eth, 0);
        var prover = chain.Market(chain.Prover);
        var (r, sig, journal) = await _s.NewRequestAsync();
        await Refused("InvalidSignature", () => prover.FulfillAsync([Requests.Fill(r, journal, chain.Digest.Sign(r, MarketFixture.DevKeys[2]))]));
        await Refused("InvalidSignature", () => prover.FulfillAsync([Requests.Fill(r, journal)]));

        var (poor, poorSig, poorJournal) = await _s.NewRequestAsync(startOffset: -200, change: q => q.Offer.MinPrice = q.Offer.MaxPrice = 1000 * Eth);
        await Refused("InsufficientBalance", () => prover.FulfillAsync([Requests.Fill(poor, poorJournal, poorSig)]));

        var (prefix, prefixSig, prefixJournal) = await _s.NewRequestAsync(change: q => q.Requirements.Predicate =
            new Predicate { PredicateType = (byte)PredicateType.PrefixMatch, Data = [.. Requests.Journal(0)[..5], 0xff] });
        prefixSig = chain.Digest.Sign(prefix, MarketFixture.DevKeys[1]);
        await Refused("PredicateFailed", () => prover.FulfillAsync([Requests.Fill(prefix, prefixJournal, prefixSig)]));

        await chain.Clock.MineAtAsync(r.Offer.Deadline + 1);
        await Refused("RequestIsExpired", () => prover.FulfillAsync([Requests.Fill(r, journal, sig)]));
    }

    [Fact]
    public async Task Slash_and_refund_refusals()
    {
        await _s.FundAsync(Eth, Stake);
        var prover = chain.Market(chain.Prover);
        var anyone = chain.Market(chain.Stranger);
        var (never, _, _) = await _s.NewRequestAsync();
        await Refused("RequestIsNotLocked", () => anyone.SlashAsync(never.Id));
        await Refused("RequestIsNotLocked", () => anyone.RefundAsync(never.Id));

        var (done, doneSig, doneJournal) = await _s.NewRequestAsync();
        await prover.LockRequestAsync(done, doneSig);
        await prover.FulfillAsync([Requests.Fill(done, doneJournal)]);

        var (r, sig, _) = await _s.NewRequestAsync();
        await prover.LockRequestAsync(r, sig);
        await Refused("RequestLockIsNotExpired", () => anyone.SlashAsync(r.Id));
        await Refused("RequestIsNotExpired", () => anyone.RefundAsync(r.Id));
        await chain.Clock.SetNextAsync(r.Offer.LockDeadline + 1);
        await anyone.SlashAsync(r.Id);
        await Refused("RequestIsSlashed", () => anyone.SlashAsync(r.Id));
        await Refused("RequestIsNotExpired", () => anyone.RefundAsync(r.Id));
        await chain.Clock.SetNextAsync(r.Offer.Deadline + 1);
        await anyone.RefundAsync(r.Id);
        await Refused("RequestIsRefunded", () => anyone.RefundAsync(r.Id));
        await Refused("RequestIsSlashed", () => anyone.SlashAsync(r.Id));

        await Refused("RequestIsFulfilled", () => anyone.SlashAsync(done.Id));
        await Refused("RequestIsFulfilled", () => anyone.RefundAsync(done.Id));
    }

    [Fact]
    public async Task Token_refusals()
    {
        await Refused("FaucetLimit", () => chain.Token(chain.Stranger).FaucetAsync(StakeTokenContract.FaucetLimit + 1));
        await Refused("OwnableUnauthorizedAccount", () => chain.Token(chain.Stranger).MintAsync(chain.Stranger.Address, 1));
    }
}
