using System.Numerics;
using Verity.Chain.Contracts;

namespace Verity.Broker.Pricing;

/// <summary>
/// When the auction pays enough (docs/BROKER.md §4 step 7): the first chain time at which <see cref="Offer.PriceAt"/>
/// reaches a minimum. Solved exactly on the contract's integer ramp rather than searched: between the bidding start
/// and the end of the ramp the price is <c>min + ⌊Δ·d / ramp⌋</c> at <c>d</c> seconds in, which reaches
/// <c>min + k</c> first at <c>d = ⌈k·ramp / Δ⌉</c>.
/// </summary>
public static class TargetTime
{
    /// <summary>The first <c>t</c> with <c>offer.PriceAt(t) ≥ minimum</c>, or null when the price never gets there.</summary>
    public static ulong? FirstAtOrAbove(Offer offer, BigInteger minimum)
    {
        ArgumentNullException.ThrowIfNull(offer);
        if (offer.MinPrice >= minimum) return 0; // PriceAt(t) = MinPrice for every t up to the bidding start
        if (offer.MaxPrice < minimum || offer.LockTimeout == 0) return null; // past the lock deadline the price is 0
        ulong start = offer.BiddingStart;
        if (offer.RampUpPeriod == 0) return start + 1;
        BigInteger delta = offer.MaxPrice - offer.MinPrice; // > 0: MinPrice < minimum ≤ MaxPrice
        BigInteger k = minimum - offer.MinPrice;
        BigInteger d = (k * offer.RampUpPeriod + delta - 1) / delta;
        // d ≥ 1 since k ≥ 1; at d = ramp the price is MaxPrice, which is enough.
        return start + (ulong)BigInteger.Min(d, offer.RampUpPeriod);
    }

    /// <summary>
    /// The chain time to lock at: the first time the price reaches <paramref name="minimum"/>, or
    /// <paramref name="now"/> when it already has; null when it never will before the lock deadline.
    /// </summary>
    public static ulong? ForLock(Offer offer, BigInteger minimum, ulong now) =>
        FirstAtOrAbove(offer, minimum) is { } t ? Math.Max(t, now) : null;
}
