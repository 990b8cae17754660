using System.Numerics;
using Nethereum.Signer;
using Nethereum.Util;

namespace Verity.Chain.Contracts;

/// <summary>An EIP-2612 permit for the stake token, signed here (v, r, s as <c>permit</c> takes them).</summary>
public sealed record StakePermit(BigInteger Value, BigInteger Deadline, byte V, byte[] R, byte[] S)
{
    private static readonly byte[] PermitTypeHash = RequestDigest.Keccak(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    private static readonly byte[] DomainTypeHash = RequestDigest.Keccak(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// <summary>The token's EIP-712 name (ERC20Permit("Verity Stake")).</summary>
    public const string TokenName = "Verity Stake";

    public static StakePermit Sign(EthECKey owner, string spender, BigInteger value, BigInteger permitNonce,
        BigInteger deadline, BigInteger chainId, string token)
    {
        var domain = RequestDigest.Keccak(Concat(DomainTypeHash, RequestDigest.Keccak(TokenName), RequestDigest.Keccak("1"),
            Word(chainId), Address(token)));
        var structHash = RequestDigest.Keccak(Concat(PermitTypeHash, Address(owner.GetPublicAddress()), Address(spender),
            Word(value), Word(permitNonce), Word(deadline)));
        var digest = RequestDigest.Keccak(Concat([0x19, 0x01], domain, structHash));
        var sig = owner.SignAndCalculateV(digest);
        var v = sig.V.Length == 0 ? (byte)27 : sig.V[0];
        return new StakePermit(value, deadline, v < 27 ? (byte)(v + 27) : v, Pad(sig.R), Pad(sig.S));
    }

    private static byte[] Address(string address)
    {
        if (!AddressUtil.Current.IsValidEthereumAddressHexFormat(address))
            throw new ArgumentException($"not an address: '{address}'", nameof(address));
        return Pad(Convert.FromHexString(address.AsSpan(2)));
    }

    private static byte[] Word(BigInteger value) => Pad(value.ToByteArray(isUnsigned: true, isBigEndian: true));

    private static byte[] Pad(byte[] bytes)
    {
        var word = new byte[32];
        bytes.CopyTo(word, 32 - bytes.Length);
        return word;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
