using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Nethereum.Signer;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

/// <summary>Builds requests, journals and fills for the contract tests.</summary>
public static class Requests
{
    public static readonly BigInteger Gwei = BigInteger.Pow(10, 9);
    public static readonly BigInteger Token = BigInteger.Pow(10, 18);

    /// <summary>A DigestMatch request for <paramref name="journal"/> with a ramp starting at <paramref name="biddingStart"/>.</summary>
    public static ProofRequest Create(string requestor, uint index, byte[] journal, ulong biddingStart,
        BigInteger? minPrice = null, BigInteger? maxPrice = null, uint rampUp = 100, uint lockTimeout = 300,
        uint timeout = 600, BigInteger? collateral = null, byte[]? imageId = null) => new()
    {
        Id = RequestId.Create(requestor, index),
        Requirements = new Requirements
        {
            ImageId = imageId ?? SHA256.HashData(Encoding.UTF8.GetBytes($"image {index}")),
            Predicate = new Predicate { PredicateType = (byte)PredicateType.DigestMatch, Data = SHA256.HashData(journal) },
            Selector = DevelopmentSeal.Selector,
        },
        ImageUrl = $"file:///images/{index}.elf",
        Input = new RequestInput { InputType = (byte)InputType.Inline, Data = Encoding.UTF8.GetBytes($"input {index}") },
        Offer = new Offer
        {
            MinPrice = minPrice ?? 1000 * Gwei,
            MaxPrice = maxPrice ?? 2000 * Gwei,
            BiddingStart = biddingStart,
            RampUpPeriod = rampUp,
            LockTimeout = lockTimeout,
            Timeout = timeout,
            LockCollateral = collateral ?? 10 * Token,
        },
    };

    public static byte[] Journal(uint index) => Encoding.UTF8.GetBytes($"journal of request {index}");

    public static Fulfillment Fill(ProofRequest request, byte[] journal, byte[]? signature = null) => new()
    {
        Request = request,
        ClientSignature = signature ?? [],
        Journal = journal,
        Seal = DevelopmentSeal.Create(request.Requirements.ImageId, journal),
    };

    public static byte[] Sign(this RequestDigest digest, ProofRequest request, string key) => digest.Sign(request, new EthECKey(key));

    /// <summary>A deep copy (the Nethereum DTOs are mutable classes).</summary>
    public static ProofRequest Clone(ProofRequest r) => new()
    {
        Id = r.Id,
        Requirements = new Requirements
        {
            ImageId = [.. r.Requirements.ImageId],
            Predicate = new Predicate { PredicateType = r.Requirements.Predicate.PredicateType, Data = [.. r.Requirements.Predicate.Data] },
            Selector = [.. r.Requirements.Selector],
        },
        ImageUrl = r.ImageUrl,
        Input = new RequestInput { InputType = r.Input.InputType, Data = [.. r.Input.Data] },
        Offer = new Offer
        {
            MinPrice = r.Offer.MinPrice, MaxPrice = r.Offer.MaxPrice, BiddingStart = r.Offer.BiddingStart,
            RampUpPeriod = r.Offer.RampUpPeriod, LockTimeout = r.Offer.LockTimeout, Timeout = r.Offer.Timeout,
            LockCollateral = r.Offer.LockCollateral,
        },
    };
}
