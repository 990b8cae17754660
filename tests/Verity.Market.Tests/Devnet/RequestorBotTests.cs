using Verity.Chain.Contracts;
using Verity.Guests;
using Verity.Market.Devnet;
using Verity.Vm;

namespace Verity.Market.Tests.Devnet;

/// <summary>The devnet bot's requests: well-formed offers within its bounds, and the impossible ones really impossible.</summary>
public sealed class RequestorBotTests
{
    private const string Requestor = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    private const ulong ChainTime = 1_700_000_000;

    private static readonly IReadOnlyDictionary<string, string> Urls =
        ExampleGuests.All.ToDictionary(g => g.Name, g => $"http://127.0.0.1:9/guests/{g.FileName}");

    private static List<BotRequest> Draw(RequestorBotOptions options, int count)
    {
        var bot = new RequestorBot(options, Urls);
        return [.. Enumerable.Range(0, count).Select(i => bot.Next(Requestor, ChainTime + (ulong)i))];
    }

    [Fact]
    public void Every_offer_is_valid_and_within_the_bounds_and_only_the_impossible_ones_are_impossible()
    {
        var options = new RequestorBotOptions { Seed = 7, ImpossibleFraction = 0.1 };
        var drawn = Draw(options, 60);

        foreach (var r in drawn)
        {
            var offer = r.Request.Offer;
            Assert.Null(offer.Problem());
            Assert.InRange(offer.MaxPrice, options.MinMaxPrice, options.MaxMaxPrice);
            Assert.InRange(offer.MinPrice, 0, offer.MaxPrice);
            Assert.InRange(offer.LockCollateral, options.MinCollateral, options.MaxCollateral);
            Assert.Equal(DevelopmentSeal.Selector, r.Request.Requirements.Selector);
            Assert.Equal(Urls[r.Guest], r.Request.ImageUrl);
            Assert.Equal(ElfLoader.Load(ExampleGuests.Get(r.Guest).Elf).ImageId.ToArray(), r.Request.Requirements.ImageId);
            Assert.True(offer.Deadline > r.BuiltAtChainTime, "already expired when built");
            Assert.Equal(r.Impossible, RequestorBot.IsImpossible(r));
            if (r.Impossible)
            {
                // Proving it in time needs more than ImpossibleHz, hundreds of times what this zkVM does on a CPU.
                Assert.True(r.Built.Cycles > (offer.Deadline - r.BuiltAtChainTime) * RequestorBotOptions.ImpossibleHz);
                Assert.Equal(offer.LockDeadline, offer.Deadline);
            }
            else
            {
                Assert.InRange(offer.LockTimeout, options.MinLockTimeoutSeconds, options.MaxLockTimeoutSeconds);
                Assert.InRange(offer.Timeout - offer.LockTimeout, options.MinExtraTimeoutSeconds, options.MaxExtraTimeoutSeconds);
                Assert.Equal(r.BuiltAtChainTime + options.BiddingDelaySeconds, offer.BiddingStart);
                // Easy: under 1 kHz over the lock window (the brokers assume 1 kHz before they measured anything).
                Assert.True(r.Built.Cycles < offer.LockTimeout * 1000L, $"{r.Guest}: {r.Built.Cycles} cycles in {offer.LockTimeout} s");
            }
        }
        int impossible = drawn.Count(r => r.Impossible);
        Assert.InRange(impossible, 1, 15);   // about 10 % of 60, for this seed
        Assert.Equal(["fibonacci", "loop", "sha256"], drawn.Where(r => !r.Impossible).Select(r => r.Guest).Distinct().Order());
        Assert.Contains(drawn, r => r.OffChain);
        Assert.Contains(drawn, r => !r.OffChain);
    }

    [Fact]
    public void The_same_seed_draws_the_same_requests()
    {
        var options = new RequestorBotOptions { Seed = 3, ImpossibleFraction = 0 };
        var a = Draw(options, 10);
        var b = Draw(options, 10);
        Assert.Equal(a.Select(r => (r.Guest, r.OffChain, r.Built.Cycles, r.Request.Offer.MaxPrice, r.Request.Offer.Deadline)),
            b.Select(r => (r.Guest, r.OffChain, r.Built.Cycles, r.Request.Offer.MaxPrice, r.Request.Offer.Deadline)));
    }

    [Theory]
    [InlineData(0, "rate")]
    [InlineData(-1, "rate")]
    public void Bad_options_are_refused_naming_the_problem(double rate, string word)
    {
        var e = Assert.Throws<ArgumentException>(() => new RequestorBot(new RequestorBotOptions { RatePerMinute = rate }, Urls));
        Assert.Contains(word, e.Message);
        var tooEasy = Assert.Throws<ArgumentException>(() => new RequestorBot(new RequestorBotOptions { ImpossibleLoopIterations = 10 }, Urls));
        Assert.Contains("would not be impossible", tooEasy.Message);
        Assert.Throws<ArgumentException>(() => new RequestorBot(new RequestorBotOptions(), new Dictionary<string, string> { ["loop"] = "http://x/" }));
    }
}
