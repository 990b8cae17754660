using System.Numerics;
using System.Security.Cryptography;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;
using Verity.Market.OrderStream.Wire;

namespace Verity.Broker.Tests.Store;

/// <summary>Orders for store tests: valid request bodies with random digests and signatures.</summary>
internal static class TestOrders
{
    public static readonly BigInteger Requestor = BigInteger.Parse("00a11ce00000000000000000000000000000b0b1", System.Globalization.NumberStyles.HexNumber);

    /// <summary>Wall-clock times with millisecond precision (what the store keeps).</summary>
    public static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_123);

    public static BigInteger RequestId(uint index) => (Requestor << 32) | index;

    public static Order New(uint index, FulfillmentType type = FulfillmentType.LockAndFulfill, OrderState state = OrderState.New,
        DateTimeOffset? observedAt = null)
    {
        var digest = RandomNumberGenerator.GetBytes(32);
        var id = RequestId(index);
        var request = new ProofRequest
        {
            Id = id,
            Requirements = new Requirements
            {
                ImageId = RandomNumberGenerator.GetBytes(32),
                Predicate = new Predicate { PredicateType = (byte)PredicateType.DigestMatch, Data = RandomNumberGenerator.GetBytes(32) },
                Selector = [0xde, 0xad, 0xbe, 0xef],
            },
            ImageUrl = "http://guests.example/sha256.elf",
            Input = new RequestInput { InputType = (byte)InputType.Inline, Data = RandomNumberGenerator.GetBytes(40) },
            Offer = new Offer
            {
                MinPrice = BigInteger.Parse("1000000000000"),
                MaxPrice = (BigInteger.One << 90) + 7, // above 2^64: amounts must not pass through a long
                BiddingStart = 1_750_000_000,
                RampUpPeriod = 30,
                LockTimeout = 600,
                Timeout = 1200,
                LockCollateral = BigInteger.Parse("5000000000000000000"),
            },
        };
        return new Order
        {
            Id = Order.MakeId(id, digest, type),
            RequestId = id,
            Requestor = "0x" + Requestor.ToString("x40")[^40..],
            Request = request,
            Signature = RandomNumberGenerator.GetBytes(65),
            RequestDigest = digest,
            Source = "order-stream",
            Type = type,
            State = state,
            ObservedAt = observedAt ?? T0,
        };
    }

    /// <summary>Every property equal (byte arrays by content, the request by its wire form), so a new field is checked too.</summary>
    public static void AssertSame(Order expected, Order actual)
    {
        foreach (var p in typeof(Order).GetProperties())
        {
            object? e = p.GetValue(expected), a = p.GetValue(actual);
            switch (e)
            {
                case byte[] eb:
                    Assert.True(a is byte[] ab && eb.AsSpan().SequenceEqual(ab), $"{p.Name} differs");
                    break;
                case ProofRequest er:
                    Assert.Equal(OrderJson.Serialize(new SignedOrder(er, expected.Signature)),
                        OrderJson.Serialize(new SignedOrder((ProofRequest)a!, expected.Signature)));
                    break;
                default:
                    Assert.True(Equals(e, a), $"{p.Name}: expected {e ?? "null"}, got {a ?? "null"}");
                    break;
            }
        }
    }
}

/// <summary>A clock tests set by hand.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
