using System.Globalization;
using System.Numerics;
using Nethereum.Model;
using Nethereum.Signer;
using Nethereum.Util;

namespace Verity.Chain.Accounts;

/// <summary>
/// A secp256k1 private key that signs this node's transactions and requests. It never prints itself:
/// <see cref="ToString"/> shows only the address, and parse errors say what is wrong without echoing the text.
/// Where the text comes from (a flag, an environment variable, a file) is the caller's business; it passes a
/// <c>sourceName</c> so errors can say which one was bad.
/// </summary>
public sealed class ChainKey
{
    // The curve order n: a private key must be in [1, n).
    private static readonly BigInteger CurveOrder = BigInteger.Parse(
        "0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", NumberStyles.HexNumber);

    private readonly EthECKey _key;

    private ChainKey(EthECKey key)
    {
        _key = key;
        Address = AddressUtil.Current.ConvertToChecksumAddress(key.GetPublicAddress());
    }

    /// <summary>The EIP-55 checksummed address of the key.</summary>
    public string Address { get; }

    /// <summary>
    /// Parses 64 hex digits, with or without <c>0x</c>; surrounding whitespace (a key file's newline) is ignored.
    /// </summary>
    /// <param name="text">the key.</param>
    /// <param name="sourceName">where it came from, for errors ("--private-key", "VERITY_PRIVATE_KEY", "/etc/verity/key").</param>
    /// <exception cref="FormatException">not a valid key; the message names the source and never the key.</exception>
    public static ChainKey Parse(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        var hex = text.AsSpan().Trim();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) hex = hex[2..];
        if (hex.Length == 0) throw Invalid(sourceName, "it is empty");
        if (hex.Length != 64)
            throw Invalid(sourceName, $"expected 64 hex digits (32 bytes), with or without 0x, but it has {hex.Length} characters");
        foreach (var c in hex)
            if (!char.IsAsciiHexDigit(c)) throw Invalid(sourceName, "it contains a character that is not a hex digit");

        var bytes = Convert.FromHexString(hex);
        try
        {
            var scalar = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
            if (scalar.IsZero || scalar >= CurveOrder)
                throw Invalid(sourceName, "it is outside the secp256k1 key range (zero, or not below the curve order)");
            return new ChainKey(new EthECKey(bytes, true));
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    /// <summary>Signs an EIP-1559 transaction; returns the raw signed transaction as hex without <c>0x</c>.</summary>
    public string SignTransaction(Transaction1559 transaction) =>
        new Transaction1559Signer().SignTransaction(_key, transaction);

    /// <summary>
    /// Signs a 32-byte digest (e.g. an EIP-712 request digest): 65 bytes r ‖ s ‖ v with v = 27/28 and low s,
    /// the form OpenZeppelin's <c>ECDSA.recover</c> accepts.
    /// </summary>
    public byte[] SignDigest(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != 32) throw new ArgumentException($"a digest is 32 bytes, not {digest.Length}", nameof(digest));
        var sig = _key.SignAndCalculateV(digest.ToArray());
        var v = sig.V.Length == 0 ? (byte)27 : sig.V[0];
        var result = new byte[65];
        sig.R.CopyTo(result.AsSpan(32 - sig.R.Length, sig.R.Length));
        sig.S.CopyTo(result.AsSpan(64 - sig.S.Length, sig.S.Length));
        result[64] = v < 27 ? (byte)(v + 27) : v;
        return result;
    }

    /// <summary>For signers in this assembly that take Nethereum's key type (e.g. <c>RequestDigest.Sign</c>).</summary>
    internal EthECKey EcKey => _key;

    /// <summary>Redacted: the address only.</summary>
    public override string ToString() => $"ChainKey({Address}, private key redacted)";

    private static FormatException Invalid(string sourceName, string why) =>
        new($"the private key from {sourceName} is not valid: {why}");
}
