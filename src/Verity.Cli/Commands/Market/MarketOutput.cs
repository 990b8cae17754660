using System.Numerics;
using System.Text.Json;
using Verity.Chain.Contracts;
using Verity.Market.Requests;

namespace Verity.Cli.Commands.Market;

/// <summary>
/// How market commands print: one JSON object on stdout with --json (amounts as decimal strings: wei does not fit a
/// JSON number), otherwise plain lines. Notes go to stderr so that stdout stays what a script reads.
/// </summary>
internal static class MarketOutput
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static void Print(bool json, object data, IEnumerable<string> lines)
    {
        if (json) Console.WriteLine(JsonSerializer.Serialize(data, Options));
        else foreach (var line in lines) Console.WriteLine(line);
    }

    public static void Note(bool json, string text)
    {
        if (!json) Console.Error.WriteLine(text);
    }

    public static string Wei(BigInteger wei) => wei.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"1.5 ETH (1500000000000000000 wei)".</summary>
    public static string Eth(BigInteger wei) => $"{EthAmount.Format(wei)} ({wei} wei)";

    /// <summary>Stake tokens have 18 decimals too.</summary>
    public static string Stake(BigInteger units) => $"{EthAmount.Format(units, "VSTK")} ({units} units)";

    public static string Id(BigInteger id) => RequestId.Format(id);

    public static string Hex(byte[] bytes) => "0x" + Convert.ToHexStringLower(bytes);
}
