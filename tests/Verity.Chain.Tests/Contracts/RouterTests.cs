using Nethereum.Contracts;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>The verifier router: add, remove (retired for good), unknown selector, short seal, the owner-only rules.</summary>
public class RouterTests(MarketFixture chain) : IClassFixture<MarketFixture>
{
    private static readonly byte[] ImageId = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] Journal = "hello"u8.ToArray();

    [Fact]
    public async Task Verify_accepts_the_development_seal_and_names_each_refusal()
    {
        var router = chain.Router();
        var digest = ClaimDigest.Journal(Journal);
        Assert.True((await router.VerifyAsync(DevelopmentSeal.Create(ImageId, Journal), ImageId, digest)).Accepted);
        var otherJournal = await router.VerifyAsync(DevelopmentSeal.Create(ImageId, "bye"u8), ImageId, digest);
        Assert.Equal("VerificationFailed", otherJournal.Error?.Name);
        var otherImage = await router.VerifyAsync(DevelopmentSeal.Create(new byte[32], Journal), ImageId, digest);
        Assert.Equal("VerificationFailed", otherImage.Error?.Name);
        var longer = await router.VerifyAsync([.. DevelopmentSeal.Create(ImageId, Journal), 0], ImageId, digest);
        Assert.Equal("VerificationFailed", longer.Error?.Name);
        var unknown = await router.VerifyAsync([1, 2, 3, 4, 5], ImageId, digest);
        Assert.Equal("SelectorUnknown", unknown.Error?.Name);
        Assert.Equal("SelectorUnknown(selector=0x01020304)", unknown.Reason);
        var shortSeal = await router.VerifyAsync([0xde, 0xad, 0xc0], ImageId, digest);
        Assert.Equal("MalformedSeal(length=3)", shortSeal.Reason);
    }

    [Fact]
    public async Task Add_and_remove_follow_the_rules()
    {
        var owner = chain.Router(chain.Deployer);
        var selector = new byte[] { 0xaa, 0xbb, 0xcc, 0xdd };
        var stranger = chain.Router(chain.Stranger);
        await Reverts.AssertUnchangedAsync(chain, "OwnableUnauthorizedAccount",
            () => stranger.AddVerifierAsync(selector, chain.Addresses.DevelopmentVerifier!));
        await Reverts.AssertUnchangedAsync(chain, "ZeroSelector", () => owner.AddVerifierAsync(new byte[4], chain.Addresses.DevelopmentVerifier!));
        await Reverts.AssertUnchangedAsync(chain, "InvalidVerifier", () => owner.AddVerifierAsync(selector, "0x0000000000000000000000000000000000000000"));
        await Reverts.AssertUnchangedAsync(chain, "SelectorUnknown", () => owner.RemoveVerifierAsync(selector));

        var added = await owner.AddVerifierAsync(selector, chain.Addresses.DevelopmentVerifier!);
        var ev = Assert.Single(added.DecodeAllEvents<VerifierAddedEvent>());
        Assert.Equal(selector, ev.Event.Selector);
        Assert.Equal(chain.Addresses.DevelopmentVerifier, await owner.GetVerifierAsync(selector), ignoreCase: true);
        await Reverts.AssertUnchangedAsync(chain, "SelectorInUse", () => owner.AddVerifierAsync(selector, chain.Addresses.DevelopmentVerifier!));
        await Reverts.AssertUnchangedAsync(chain, "OwnableUnauthorizedAccount", () => stranger.RemoveVerifierAsync(selector));

        await owner.RemoveVerifierAsync(selector);
        await Reverts.AssertUnchangedAsync(chain, "SelectorRemoved", () => owner.AddVerifierAsync(selector, chain.Addresses.DevelopmentVerifier!));
        await Reverts.AssertUnchangedAsync(chain, "SelectorUnknown", () => owner.RemoveVerifierAsync(selector));
        var e = await Assert.ThrowsAsync<Verity.Chain.Transactions.TransactionRevertedException>(() => owner.GetVerifierAsync(selector));
        Assert.Equal("SelectorRemoved", MarketErrors.Name(e.RevertData));
    }

    [Fact]
    public async Task A_retired_development_selector_refuses_its_seals_in_the_market()
    {
        // Its own chain: retiring 0xdeadc0de would break the other tests of a shared fixture.
        await using var own = new MarketFixture();
        await ((IAsyncLifetime)own).InitializeAsync();
        var s = new MarketScenario(own);
        await s.FundAsync(BigInteger1Eth, 0);
        var (r, sig, journal) = await s.NewRequestAsync();
        await own.Router(own.Deployer).RemoveVerifierAsync(DevelopmentSeal.Selector);
        var verdict = await own.Router().VerifyAsync(DevelopmentSeal.Create(r.Requirements.ImageId, journal), r.Requirements.ImageId,
            ClaimDigest.Journal(journal));
        Assert.Equal("SelectorRemoved", verdict.Error?.Name);
        await Reverts.AssertUnchangedAsync(own, "SelectorRemoved", () => own.Market(own.Prover).FulfillAsync([Requests.Fill(r, journal, sig)]));
    }

    private static readonly System.Numerics.BigInteger BigInteger1Eth = System.Numerics.BigInteger.Pow(10, 18);
}
