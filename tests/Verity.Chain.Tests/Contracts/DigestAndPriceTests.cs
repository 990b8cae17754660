using System.Numerics;
using System.Text;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>The C# request digest, signature and price agree with the contract's.</summary>
public class DigestAndPriceTests(MarketFixture chain) : IClassFixture<MarketFixture>
{
    [Fact]
    public async Task DomainSeparator_matches()
    {
        Assert.Equal(chain.Digest.DomainSeparator, await chain.Market().DomainSeparatorAsync());
    }

    public static TheoryData<int> Variants => [0, 1, 2, 3, 4, 5];

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task HashRequest_matches_the_contract(int variant)
    {
        var journal = Encoding.UTF8.GetBytes("journal");
        var r = Requests.Create(chain.Requestor.Address, (uint)(1000 + variant), journal, 1_700_000_000);
        switch (variant)
        {
            case 1:   // prefix predicate, URL input
                r.Requirements.Predicate = new Predicate { PredicateType = (byte)PredicateType.PrefixMatch, Data = [1, 2, 3] };
                r.Input = new RequestInput { InputType = (byte)InputType.Url, Data = Encoding.UTF8.GetBytes("https://example.org/input.bin") };
                break;
            case 2:   // empty bytes and strings everywhere
                r.Requirements.Predicate = new Predicate { PredicateType = (byte)PredicateType.PrefixMatch, Data = [] };
                r.Input = new RequestInput { InputType = (byte)InputType.Inline, Data = [] };
                r.ImageUrl = "";
                break;
            case 3:   // long bytes (several words, not a multiple of 32) and a non-ASCII URL
                r.Input.Data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
                r.ImageUrl = "https://example.org/bilder/größe-ü.elf";
                break;
            case 4:   // extreme numbers
                r.Offer.MinPrice = (BigInteger.One << 96) - 2;
                r.Offer.MaxPrice = (BigInteger.One << 96) - 1;
                r.Offer.BiddingStart = ulong.MaxValue - uint.MaxValue;
                r.Offer.RampUpPeriod = uint.MaxValue;
                r.Offer.LockTimeout = uint.MaxValue;
                r.Offer.Timeout = uint.MaxValue;
                r.Id = RequestId.Create(chain.Requestor.Address, uint.MaxValue);
                break;
            case 5:   // other selector and image id
                r.Requirements.Selector = [0x12, 0x34, 0x56, 0x78];
                r.Requirements.ImageId = Enumerable.Repeat((byte)0xff, 32).ToArray();
                break;
        }
        Assert.Equal(Convert.ToHexString(chain.Digest.Hash(r)), Convert.ToHexString(await chain.Market().HashRequestAsync(r)));
    }

    [Fact]
    public async Task PriceAt_matches_the_contract_at_many_timestamps()
    {
        var offers = new[]
        {
            new Offer { MinPrice = 1000, MaxPrice = 7777, BiddingStart = 1_000_000, RampUpPeriod = 97, LockTimeout = 200, Timeout = 400 },
            new Offer { MinPrice = 5, MaxPrice = 5, BiddingStart = 1_000_000, RampUpPeriod = 0, LockTimeout = 10, Timeout = 10 },
            new Offer { MinPrice = 0, MaxPrice = (BigInteger.One << 96) - 1, BiddingStart = 50, RampUpPeriod = 3, LockTimeout = 3, Timeout = 9 },
        };
        foreach (var offer in offers)
        {
            var times = new List<ulong> { 0, offer.BiddingStart - 1, offer.BiddingStart, offer.LockDeadline, offer.LockDeadline + 1,
                offer.Deadline, offer.Deadline + 1, ulong.MaxValue };
            for (ulong t = offer.BiddingStart; t <= offer.BiddingStart + offer.RampUpPeriod + 2; t += 1 + offer.RampUpPeriod / 20)
                times.Add(t);
            foreach (var t in times)
                Assert.True(offer.PriceAt(t) == await chain.Market().PriceAtAsync(offer, t), $"priceAt({t}) of {offer.MinPrice}..{offer.MaxPrice}");
        }
    }
}
