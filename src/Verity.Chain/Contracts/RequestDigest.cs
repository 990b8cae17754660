using System.Numerics;
using System.Text;
using Nethereum.Signer;
using Nethereum.Util;

namespace Verity.Chain.Contracts;

/// <summary>
/// The EIP-712 digest of a <see cref="ProofRequest"/> under the market's domain (docs/MARKET.md §1), computed
/// here exactly as the contract's <c>hashRequest</c> does, and the requestor's signature over it.
/// </summary>
public sealed class RequestDigest
{
    public const string DomainName = "VerityMarket";
    public const string DomainVersion = "1";

    private const string InputType = "Input(uint8 inputType,bytes data)";
    private const string OfferType = "Offer(uint256 minPrice,uint256 maxPrice,uint64 biddingStart,uint32 rampUpPeriod,uint32 lockTimeout,uint32 timeout,uint256 lockCollateral)";
    private const string PredicateType = "Predicate(uint8 predicateType,bytes data)";
    private const string RequirementsType = "Requirements(bytes32 imageId,Predicate predicate,bytes4 selector)";

    /// <summary>EIP-712 type strings: the primary type followed by the referenced types sorted by name.</summary>
    public const string ProofRequestTypeString =
        "ProofRequest(uint256 id,Requirements requirements,string imageUrl,Input input,Offer offer)"
        + InputType + OfferType + PredicateType + RequirementsType;

    private static readonly byte[] DomainTypeHash = Keccak(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    private static readonly byte[] RequestTypeHash = Keccak(ProofRequestTypeString);
    private static readonly byte[] RequirementsTypeHash = Keccak(RequirementsType + PredicateType);
    private static readonly byte[] PredicateTypeHash = Keccak(PredicateType);
    private static readonly byte[] InputTypeHash = Keccak(InputType);
    private static readonly byte[] OfferTypeHash = Keccak(OfferType);

    public RequestDigest(BigInteger chainId, string marketAddress)
    {
        ChainId = chainId;
        MarketAddress = marketAddress;
        DomainSeparator = Keccak(Concat(DomainTypeHash, Keccak(DomainName), Keccak(DomainVersion),
            Word(chainId), AddressWord(marketAddress)));
    }

    public BigInteger ChainId { get; }
    public string MarketAddress { get; }
    public byte[] DomainSeparator { get; }

    /// <summary>keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(request)).</summary>
    public byte[] Hash(ProofRequest request) =>
        Keccak(Concat([0x19, 0x01], DomainSeparator, HashStruct(request)));

    /// <summary>The 65-byte signature r ‖ s ‖ v (v = 27/28) of the request's digest.</summary>
    public byte[] Sign(ProofRequest request, EthECKey key)
    {
        var sig = key.SignAndCalculateV(Hash(request));
        var v = sig.V.Length == 0 ? (byte)27 : sig.V[0];
        return Concat(Pad32(sig.R), Pad32(sig.S), [v < 27 ? (byte)(v + 27) : v]);
    }

    /// <summary>The checksummed address that signed <paramref name="request"/>, or null for a malformed signature.</summary>
    public string? RecoverSigner(ProofRequest request, byte[] signature)
    {
        if (signature.Length != 65) return null;
        byte v = signature[64];
        if (v != 27 && v != 28) return null;
        // Only low-s signatures, as OpenZeppelin's ECDSA.recover accepts.
        var s = new BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        if (s > SecpHalfOrder || s.IsZero) return null;
        try
        {
            var ecdsa = EthECDSASignatureFactory.FromComponents(signature[..32], signature[32..64], [v]);
            var key = EthECKey.RecoverFromSignature(ecdsa, Hash(request));
            return key == null ? null : AddressUtil.Current.ConvertToChecksumAddress(key.GetPublicAddress());
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private static readonly BigInteger SecpHalfOrder = BigInteger.Parse(
        "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0", System.Globalization.NumberStyles.HexNumber);

    private static byte[] HashStruct(ProofRequest r) => Keccak(Concat(
        RequestTypeHash,
        Word(r.Id),
        HashRequirements(r.Requirements),
        Keccak(Encoding.UTF8.GetBytes(r.ImageUrl)),
        Keccak(Concat(InputTypeHash, Word(r.Input.InputType), Keccak(r.Input.Data))),
        HashOffer(r.Offer)));

    private static byte[] HashRequirements(Requirements q)
    {
        if (q.ImageId.Length != 32) throw new ArgumentException("imageId must be 32 bytes");
        if (q.Selector.Length != 4) throw new ArgumentException("selector must be 4 bytes");
        var selector = new byte[32];
        q.Selector.CopyTo(selector, 0);                    // bytesN is left-aligned in its word
        return Keccak(Concat(RequirementsTypeHash, q.ImageId,
            Keccak(Concat(PredicateTypeHash, Word(q.Predicate.PredicateType), Keccak(q.Predicate.Data))),
            selector));
    }

    private static byte[] HashOffer(Offer o) => Keccak(Concat(OfferTypeHash,
        Word(o.MinPrice), Word(o.MaxPrice), Word(o.BiddingStart), Word(o.RampUpPeriod), Word(o.LockTimeout),
        Word(o.Timeout), Word(o.LockCollateral)));

    internal static byte[] Keccak(string text) => Keccak(Encoding.UTF8.GetBytes(text));
    internal static byte[] Keccak(byte[] data) => Sha3Keccack.Current.CalculateHash(data);

    private static byte[] Word(BigInteger value)
    {
        if (value.Sign < 0 || value >= BigInteger.One << 256) throw new ArgumentOutOfRangeException(nameof(value));
        return Pad32(value.ToByteArray(isUnsigned: true, isBigEndian: true));
    }

    private static byte[] AddressWord(string address)
    {
        var bytes = Convert.FromHexString(address.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? address[2..] : address);
        if (bytes.Length != 20) throw new ArgumentException($"not an address: '{address}'");
        return Pad32(bytes);
    }

    private static byte[] Pad32(byte[] bytes)
    {
        if (bytes.Length > 32) throw new ArgumentException("longer than a word");
        var word = new byte[32];
        bytes.CopyTo(word, 32 - bytes.Length);
        return word;
    }

    private static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (var p in parts) { p.CopyTo(result, at); at += p.Length; }
        return result;
    }
}
