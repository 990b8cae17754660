using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.Contracts;
using Nethereum.JsonRpc.Client;
using Newtonsoft.Json.Linq;

namespace Verity.Chain.Transactions;

/// <summary>Revert data out of a node's JSON-RPC error, and the two reasons Solidity itself defines.</summary>
public static partial class RevertData
{
    private static readonly byte[] ErrorSelector = [0x08, 0xc3, 0x79, 0xa0];   // Error(string)
    private static readonly byte[] PanicSelector = [0x4e, 0x48, 0x7b, 0x71];   // Panic(uint256)

    /// <summary>
    /// The revert data anywhere in an exception chain (Nethereum's RPC and contract exceptions), or null when it
    /// carries none (then it is no revert, or the node hid the data).
    /// </summary>
    public static byte[]? From(Exception exception)
    {
        for (var e = exception; e != null; e = e.InnerException)
        {
            var data = e switch
            {
                RpcResponseException { RpcError: { } error } => Extract(error),
                SmartContractCustomErrorRevertException custom => ParseHex(custom.ExceptionEncodedData),
                SmartContractRevertException revert => ParseHex(revert.EncodedData),
                _ => null,
            };
            if (data != null) return data;
        }
        return null;
    }

    /// <summary>True when an exception chain says a call reverted, even with no data.</summary>
    public static bool IsRevert(Exception exception)
    {
        for (var e = exception; e != null; e = e.InnerException)
        {
            if (e is SmartContractCustomErrorRevertException or SmartContractRevertException) return true;
            if (e is RpcResponseException { RpcError: { } error } && IsRevert(error)) return true;
        }
        return false;
    }

    /// <summary>Whether a JSON-RPC error is an execution revert (code 3, or "revert" in the message).</summary>
    public static bool IsRevert(RpcError error) =>
        error.Code == 3 || error.Message?.Contains("revert", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// The revert data of a JSON-RPC error: <c>data</c> as a hex string (geth, anvil), <c>data.data</c> (some
    /// providers), or hex in the message; null when there is none (a bare <c>revert()</c> has empty data).
    /// </summary>
    public static byte[]? Extract(RpcError error)
    {
        var hex = error.Data switch
        {
            string s => s,
            JValue { Type: JTokenType.String } v => (string?)v,
            JObject o => (string?)(o["data"] as JValue) ?? (string?)(o["originalError"]?["data"] as JValue),
            _ => null,
        };
        if (hex == null && error.Message != null && HexInMessage().Match(error.Message) is { Success: true } m) hex = m.Value;
        return ParseHex(hex);
    }

    private static byte[]? ParseHex(string? hex)
    {
        if (hex == null || !hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || hex.Length % 2 != 0) return null;
        try
        {
            return Convert.FromHexString(hex.AsSpan(2));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Error(string) as its message, Panic(uint256) as "panic 0x11"; null for anything else.</summary>
    public static string? DescribeStandard(byte[] data)
    {
        if (data.Length >= 4 + 64 && data.AsSpan(0, 4).SequenceEqual(ErrorSelector))
        {
            var offset = Word(data, 4);
            if (offset > data.Length) return null;
            var start = 4 + (int)offset;
            if (start + 32 > data.Length) return null;
            var length = Word(data, start);
            if (length > data.Length - start - 32) return null;
            return Encoding.UTF8.GetString(data, start + 32, (int)length);
        }
        if (data.Length == 4 + 32 && data.AsSpan(0, 4).SequenceEqual(PanicSelector))
            return $"panic 0x{Word(data, 4):x}";
        return null;
    }

    /// <summary>The description a sender shows: the injected decoder, then the standard ones, then the selector.</summary>
    public static string? Describe(byte[]? data, Func<byte[], string?>? decoder)
    {
        if (data == null) return null;
        if (data.Length == 0) return "no revert data";
        return decoder?.Invoke(data) ?? DescribeStandard(data)
            ?? (data.Length >= 4 ? $"custom error 0x{Convert.ToHexStringLower(data, 0, 4)}" : $"revert data 0x{Convert.ToHexStringLower(data)}");
    }

    private static BigInteger Word(byte[] data, int at) =>
        new(data.AsSpan(at, 32), isUnsigned: true, isBigEndian: true);

    [GeneratedRegex("0x[0-9a-fA-F]{8,}")]
    private static partial Regex HexInMessage();
}
