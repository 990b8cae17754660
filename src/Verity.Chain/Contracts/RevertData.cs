using Nethereum.ABI.FunctionEncoding;
using Nethereum.Contracts;
using Nethereum.JsonRpc.Client;
using Newtonsoft.Json.Linq;

namespace Verity.Chain.Contracts;

/// <summary>Digs a revert's raw data out of Nethereum's exceptions (the node returns it in the JSON-RPC error's data).</summary>
public static class RevertData
{
    /// <summary>The revert data, or null when the exception carries none (then it is no revert, or the node hid it).</summary>
    public static byte[]? From(Exception exception)
    {
        for (var e = exception; e != null; e = e.InnerException)
        {
            var hex = e switch
            {
                RpcResponseException rpc => FromJson(rpc.RpcError?.Data),
                SmartContractCustomErrorRevertException custom => custom.ExceptionEncodedData,
                SmartContractRevertException revert => revert.EncodedData,
                _ => null,
            };
            if (Parse(hex) is { } data) return data;
        }
        return null;
    }

    /// <summary>True for an RPC error that says the call reverted, even with no data.</summary>
    public static bool IsRevert(Exception exception)
    {
        for (var e = exception; e != null; e = e.InnerException)
        {
            if (e is SmartContractCustomErrorRevertException or SmartContractRevertException) return true;
            if (e is RpcResponseException rpc && (rpc.RpcError?.Code == 3
                || (rpc.RpcError?.Message ?? "").Contains("revert", StringComparison.OrdinalIgnoreCase))) return true;
        }
        return false;
    }

    private static string? FromJson(object? data) => data switch
    {
        null => null,
        string s => s,
        JValue v when v.Type == JTokenType.String => (string?)v,
        JObject o => FromJson(o["data"]),
        _ => null,
    };

    private static byte[]? Parse(string? hex)
    {
        if (hex is null || !hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || hex.Length % 2 != 0) return null;
        try { return Convert.FromHexString(hex.AsSpan(2)); }
        catch (FormatException) { return null; }
    }
}
