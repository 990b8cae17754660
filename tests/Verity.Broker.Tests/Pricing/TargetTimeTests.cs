using System.Numerics;
using Verity.Broker.Pricing;
using Verity.Chain.Contracts;

namespace Verity.Broker.Tests.Pricing;

/// <summary>The exact target time against a brute-force scan of the contract's price function.</summary>
public sealed class TargetTimeTests
{
    private static ulong? Scan(Offer offer, BigInteger minimum)
    {
        for (ulong t = 0; t <= offer.LockDeadline + 1; t++)
            if (offer.PriceAt(t) >= minimum) return t;
        return null;
    }

    [Fact]
    public void Matches_a_scan_of_PriceAt_on_random_offers()
    {
        var random = new Random(20261207); // fixed seed: the same cases every run
        for (int i = 0; i < 5000; i++)
        {
            uint lockTimeout = (uint)random.Next(1, 200);
            uint ramp = (uint)random.Next(0, (int)lockTimeout + 1);
            BigInteger min = random.Next(0, 3) == 0 ? 0 : new BigInteger(random.NextInt64(0, 1_000_000_000_000));
            BigInteger max = min + (random.Next(0, 4) == 0 ? 0 : new BigInteger(random.NextInt64(0, 1_000_000_000_000_000)));
            var offer = new Offer
            {
                MinPrice = min, MaxPrice = max, BiddingStart = (ulong)random.Next(0, 100), RampUpPeriod = ramp,
                LockTimeout = lockTimeout, Timeout = lockTimeout + 10, LockCollateral = 1,
            };
            // Minimums at, around and between the interesting prices.
            var candidates = new List<BigInteger> { 0, min, min + 1, max, max + 1, max - 1 };
            for (int k = 0; k < 4; k++) candidates.Add(min + (max - min) * random.Next(0, 1000) / 1000);
            foreach (var minimum in candidates.Where(c => c >= 0))
            {
                var expected = Scan(offer, minimum);
                Assert.True(expected == TargetTime.FirstAtOrAbove(offer, minimum),
                    $"min {min} max {max} start {offer.BiddingStart} ramp {ramp} lockTimeout {lockTimeout} minimum {minimum}: scan {expected}, exact {TargetTime.FirstAtOrAbove(offer, minimum)}");
            }
        }
    }

    [Fact]
    public void Large_prices_are_exact_where_doubles_would_round()
    {
        // Wei-sized prices: Δ·d/ramp overflows a double's 53 bits of mantissa.
        var offer = new Offer
        {
            MinPrice = BigInteger.Parse("1000000000000000001"), MaxPrice = BigInteger.Parse("9000000000000000007"),
            BiddingStart = 1_700_000_000, RampUpPeriod = 997, LockTimeout = 1000, Timeout = 2000, LockCollateral = 1,
        };
        var minimum = BigInteger.Parse("5123456789012345678");
        ulong t = TargetTime.FirstAtOrAbove(offer, minimum)!.Value;
        Assert.True(offer.PriceAt(t) >= minimum);
        Assert.True(offer.PriceAt(t - 1) < minimum);
    }

    [Fact]
    public void Lock_target_is_now_when_the_price_is_already_there_and_null_when_it_never_is()
    {
        var offer = new Offer { MinPrice = 10, MaxPrice = 110, BiddingStart = 1000, RampUpPeriod = 100, LockTimeout = 200, Timeout = 300, LockCollateral = 1 };
        Assert.Equal(1060UL, TargetTime.ForLock(offer, 70, now: 1000));
        Assert.Equal(1080UL, TargetTime.ForLock(offer, 70, now: 1080));
        Assert.Equal(500UL, TargetTime.ForLock(offer, 10, now: 500));
        Assert.Null(TargetTime.ForLock(offer, 111, now: 1000));
    }
}
