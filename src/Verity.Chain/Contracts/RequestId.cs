using System.Globalization;
using System.Numerics;
using Nethereum.Util;

namespace Verity.Chain.Contracts;

/// <summary>
/// A request id: the requestor's address in bits 32..191 and a 32-bit index below (Boundless's layout),
/// so a request can only ever be charged to the address that signed it.
/// </summary>
public static class RequestId
{
    public static BigInteger Create(string requestor, uint index)
    {
        if (!AddressUtil.Current.IsValidEthereumAddressHexFormat(requestor))
            throw new ArgumentException($"not an Ethereum address: '{requestor}'", nameof(requestor));
        var address = BigInteger.Parse("0" + requestor[2..], NumberStyles.HexNumber);
        return (address << 32) | index;
    }

    /// <summary>The requestor's checksummed address.</summary>
    public static string Requestor(BigInteger id)
    {
        var address = (id >> 32) & ((BigInteger.One << 160) - 1);
        return AddressUtil.Current.ConvertToChecksumAddress(address.ToString("x40").PadLeft(40, '0')[^40..]);
    }

    public static uint Index(BigInteger id) => (uint)(id & uint.MaxValue);

    /// <summary>Ids print as 0x-hex (as the contract's events show them).</summary>
    public static string Format(BigInteger id) => "0x" + id.ToString("x").TrimStart('0').PadLeft(1, '0');

    /// <summary>Parses 0x-hex or decimal; false for anything else or a value of more than 192 bits.</summary>
    public static bool TryParse(string text, out BigInteger id)
    {
        id = default;
        text = text.Trim();
        bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? text.Length > 2 && text.Length <= 2 + 48 && text[2..].All(Uri.IsHexDigit)
              && BigInteger.TryParse("0" + text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out id)
            : text.Length > 0 && text.All(char.IsAsciiDigit)
              && BigInteger.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
        return ok && id >= 0 && id < BigInteger.One << 192;
    }
}
