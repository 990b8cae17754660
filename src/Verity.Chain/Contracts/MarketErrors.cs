using System.Numerics;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.ABIDeserialisation;
using Nethereum.ABI.Model;
using Nethereum.Util;

namespace Verity.Chain.Contracts;

/// <summary>A decoded revert: the error's name and its arguments in ABI order.</summary>
public sealed record ContractError(string Name, IReadOnlyList<KeyValuePair<string, object?>> Arguments)
{
    public object? this[string argument] => Arguments.FirstOrDefault(a => a.Key == argument).Value;

    public override string ToString() => Name == "Panic" && this["code"] is BigInteger code
        ? $"Panic(0x{code:x2}: {MarketErrors.PanicReason(code)})"
        : $"{Name}({string.Join(", ", Arguments.Select(a => a.Key.Length == 0 ? Format(a.Key, a.Value) : $"{a.Key}={Format(a.Key, a.Value)}"))})";

    internal static string Format(string name, object? value) => value switch
    {
        null => "null",
        // Request ids read best as hex (the requestor's address shows in them), as the CLI prints them.
        BigInteger id when name is "requestId" or "id" => RequestId.Format(id),
        BigInteger n => n.ToString(),
        byte[] bytes => "0x" + Convert.ToHexStringLower(bytes),
        string s when name.Length == 0 || !AddressUtil.Current.IsValidEthereumAddressHexFormat(s) => $"\"{s}\"",
        string address => AddressUtil.Current.ConvertToChecksumAddress(address),
        bool b => b ? "true" : "false",
        _ => value.ToString() ?? "",
    };
}

/// <summary>
/// Names a revert from the market's contracts: every custom error declared in the embedded ABIs (market, router,
/// verifiers, stake token, and the OpenZeppelin errors they inherit) with its arguments, Error(string) and Panic(uint).
/// </summary>
public static class MarketErrors
{
    private static readonly byte[] ErrorStringSelector = [0x08, 0xc3, 0x79, 0xa0];
    private static readonly byte[] PanicSelector = [0x4e, 0x48, 0x7b, 0x71];

    private static readonly Lazy<Dictionary<string, ErrorABI>> Errors = new(LoadErrors);

    /// <summary>e.g. <c>RequestIsLocked(requestId=0x…)</c>; "reverted without data" for an empty revert.</summary>
    public static string Describe(byte[]? revertData)
    {
        if (revertData is null || revertData.Length == 0) return "reverted without data";
        return Decode(revertData)?.ToString()
            ?? $"unknown error 0x{Convert.ToHexStringLower(revertData.AsSpan(0, Math.Min(4, revertData.Length)))} "
             + $"({revertData.Length} bytes of revert data)";
    }

    /// <summary>The decoded error, or null when the data names no error these contracts declare.</summary>
    public static ContractError? Decode(byte[]? revertData)
    {
        if (revertData is null || revertData.Length < 4) return null;
        var selector = revertData.AsSpan(0, 4);
        var body = revertData[4..];
        try
        {
            if (selector.SequenceEqual(ErrorStringSelector))
            {
                var message = new ParameterDecoder().DecodeDefaultData(body, new Parameter("string", "message", 1));
                return new ContractError("Error", [new("", message[0].Result as string ?? "")]);
            }
            if (selector.SequenceEqual(PanicSelector))
            {
                var code = (BigInteger)new ParameterDecoder().DecodeDefaultData(body, new Parameter("uint256", "code", 1))[0].Result;
                return new ContractError("Panic", [new("code", code)]);
            }
            if (!Errors.Value.TryGetValue(Convert.ToHexStringLower(selector), out var error)) return null;
            var args = new ParameterDecoder().DecodeDefaultData(body, error.InputParameters);
            return new ContractError(error.Name, args.Select(a => new KeyValuePair<string, object?>(a.Parameter.Name, a.Result)).ToList());
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            return null;   // a known selector with arguments that do not decode: not one of ours
        }
    }

    /// <summary>The error's name, or null (for tests and callers that branch on the kind of refusal).</summary>
    public static string? Name(byte[]? revertData) => Decode(revertData)?.Name;

    internal static string PanicReason(BigInteger code) => (int)(code & 0xff) switch
    {
        0x01 => "assertion failed",
        0x11 => "arithmetic overflow or underflow",
        0x12 => "division by zero",
        0x21 => "invalid enum value",
        0x22 => "bad storage byte array",
        0x31 => "pop of an empty array",
        0x32 => "array index out of bounds",
        0x41 => "out of memory",
        0x51 => "call to an uninitialised function",
        _ => "unknown panic",
    };

    private static Dictionary<string, ErrorABI> LoadErrors()
    {
        var byName = new Dictionary<string, ErrorABI>();
        foreach (var name in ContractArtifacts.Names)
        {
            var contract = new ABIJsonDeserialiser().DeserialiseContract(ContractArtifacts.Get(name).AbiJson);
            foreach (var error in contract.Errors)
                byName.TryAdd(error.Sha3Signature.ToLowerInvariant().Replace("0x", ""), error);
        }
        return byName;
    }
}
