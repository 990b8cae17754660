using System.Collections.Concurrent;
using System.Numerics;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Pricing;

namespace Verity.Broker.Tests.Services;

/// <summary>
/// The pipeline tests' evaluator: their point is discovery, locking, proving and fulfilling, not pricing (the real
/// evaluator has its own tests). It takes the requests a test registered — at the offer's minimum price, as soon as
/// the auction allows (a secondary order: after the lock deadline), with the cycles the request builder measured —
/// and skips every other request on the shared chain (S-007), so tests of one class never take each other's work.
/// </summary>
public sealed class AcceptingEvaluator : IOrderEvaluator
{
    private readonly ConcurrentDictionary<BigInteger, (long Cycles, FulfillmentType? Only)> _wanted = new();

    public void Want(BigInteger requestId, long cycles) => _wanted[requestId] = (cycles, null);

    /// <summary>Takes only the secondary fulfilment of the request (after someone else's lock expires), never its lock.</summary>
    public void WantSecondary(BigInteger requestId, long cycles) => _wanted[requestId] = (cycles, FulfillmentType.FulfillAfterLockExpire);

    public Task<Evaluation> EvaluateAsync(Order order, MarketView market, BrokerConfig config, CancellationToken ct)
    {
        if (!_wanted.TryGetValue(order.RequestId, out var wanted) || wanted.Only is { } only && only != order.Type)
            return Task.FromResult(new Evaluation(order with
            {
                State = OrderState.Skipped, Reason = ReasonCodes.RequestorNotAllowed, ReasonDetail = "not a request of this test",
            }, []));
        var offer = order.Request.Offer;
        ulong target = order.Type == FulfillmentType.FulfillAfterLockExpire ? offer.LockDeadline + 1 : Math.Max(market.ChainTime, offer.BiddingStart);
        return Task.FromResult(new Evaluation(order with
        {
            State = OrderState.WaitingToLock,
            Cycles = wanted.Cycles,
            ImageId = Convert.ToHexStringLower(order.Request.Requirements.ImageId),
            MinimumPrice = offer.MinPrice,
            TargetTime = target,
        }, [new OrderEvent(DateTimeOffset.UtcNow, "decision", $"test evaluator: take at ≥ {offer.MinPrice} wei from chain time {target}")]));
    }
}
