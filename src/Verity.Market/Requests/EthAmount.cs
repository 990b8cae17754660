using System.Globalization;
using System.Numerics;

namespace Verity.Market.Requests;

/// <summary>
/// Amounts of wei (or of stake-token base units, which also have 18 decimals) as users write them: a plain integer is
/// wei; a decimal number followed by a unit ("0.01ether", "5gwei", "1.5 eth") is scaled exactly, never through a double.
/// </summary>
public static class EthAmount
{
    private static readonly (string Unit, int Decimals)[] Units =
    [
        ("ether", 18), ("eth", 18), ("gwei", 9), ("wei", 0),
    ];

    /// <summary>Parses <paramref name="text"/>; <paramref name="what"/> names the flag in the error.</summary>
    /// <exception cref="FormatException">Not an amount: the message names <paramref name="what"/> and the text.</exception>
    public static BigInteger Parse(string text, string what)
    {
        if (TryParse(text, out var value, out var problem)) return value;
        throw new FormatException($"{what} '{text}': {problem}");
    }

    public static bool TryParse(string text, out BigInteger value, out string problem)
    {
        value = default;
        var s = text.Trim().ToLowerInvariant();
        int decimals = 0;
        foreach (var (unit, d) in Units)
        {
            if (!s.EndsWith(unit, StringComparison.Ordinal)) continue;
            s = s[..^unit.Length].TrimEnd();
            decimals = d;
            break;
        }
        if (s.Length == 0) { problem = "no number (write e.g. 1000000, 5gwei or 0.01ether)"; return false; }
        var parts = s.Split('.');
        if (parts.Length > 2 || parts.Any(p => !p.All(char.IsAsciiDigit)) || parts[0].Length + (parts.Length > 1 ? parts[1].Length : 0) == 0)
        {
            problem = "not an amount (write wei as an integer, or a number with a unit: 5gwei, 0.01ether)";
            return false;
        }
        string fraction = parts.Length > 1 ? parts[1].TrimEnd('0') : "";
        if (fraction.Length > decimals)
        {
            problem = decimals == 0 ? "wei has no fractions" : $"more than {decimals} decimals";
            return false;
        }
        value = BigInteger.Parse((parts[0].Length == 0 ? "0" : parts[0]) + fraction.PadRight(decimals, '0'), NumberStyles.None, CultureInfo.InvariantCulture);
        if (value >= BigInteger.One << 256) { problem = "too large"; value = default; return false; }
        problem = "";
        return true;
    }

    /// <summary>Wei as "1.5 ETH (1500000000000000000 wei)"-style text, exact.</summary>
    public static string Format(BigInteger wei, string unit = "ETH")
    {
        var whole = BigInteger.DivRem(wei, BigInteger.Pow(10, 18), out var rest);
        var fraction = rest.IsZero ? "" : "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(18, '0').TrimEnd('0');
        return $"{whole}{fraction} {unit}";
    }
}
