using System.Numerics;
using Nethereum.Signer;
using Verity.Chain.Contracts;
using Verity.Market.OrderStream.Wire;

namespace Verity.Market.Tests.OrderStream;

/// <summary>Signed requests for tests: anvil's development keys, a fixed market domain, offers relative to a chain time.</summary>
internal static class TestOrders
{
    public const string Market = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    public static readonly RequestDigest Domain = new(31337, Market);

    /// <summary>anvil's accounts #1 and #2 (requestors in these tests).</summary>
    public static readonly EthECKey Alice = new("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    public static readonly EthECKey Bob = new("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");

    public static string Address(EthECKey key) => key.GetPublicAddress();

    /// <summary>A well-formed request from <paramref name="key"/> whose bidding starts at <paramref name="start"/>.</summary>
    public static ProofRequest Request(EthECKey key, uint index, ulong start, BigInteger? maxPrice = null, byte[]? input = null) => new()
    {
        Id = RequestId.Create(key.GetPublicAddress(), index),
        Requirements = new Requirements
        {
            ImageId = Enumerable.Range(0, 32).Select(i => (byte)(i + 1)).ToArray(),
            Predicate = new Predicate { PredicateType = (byte)PredicateType.DigestMatch, Data = new byte[32] },
            Selector = [0xde, 0xad, 0xc0, 0xde],
        },
        ImageUrl = "https://images.example/sha256.elf",
        Input = new RequestInput { InputType = (byte)InputType.Inline, Data = input ?? [1, 2, 3] },
        Offer = new Offer
        {
            MinPrice = 1_000,
            MaxPrice = maxPrice ?? 1_000_000,
            BiddingStart = start,
            RampUpPeriod = 60,
            LockTimeout = 600,
            Timeout = 1200,
            LockCollateral = 5,
        },
    };

    public static SignedOrder Sign(ProofRequest request, EthECKey key, RequestDigest? domain = null) =>
        new(request, (domain ?? Domain).Sign(request, key));

    public static SignedOrder Signed(EthECKey key, uint index, ulong start, BigInteger? maxPrice = null, byte[]? input = null) =>
        Sign(Request(key, index, start, maxPrice, input), key);
}
