using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;

namespace Verity.Chain.Contracts;

/// <summary>A compiled contract as contracts/build.sh writes it: its ABI (JSON text) and creation bytecode.</summary>
public sealed record ContractArtifact(string ContractName, string AbiJson, byte[] Bytecode)
{
    /// <summary>Reads <c>{"contractName", "abi", "bytecode"}</c>.</summary>
    public static ContractArtifact Parse(string json, string source)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        string name = root.TryGetProperty("contractName", out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString()! : throw new InvalidDataException($"{source}: no contractName");
        if (!root.TryGetProperty("abi", out var abi) || abi.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{source}: no abi array");
        string hex = root.TryGetProperty("bytecode", out var b) && b.ValueKind == JsonValueKind.String
            ? b.GetString()! : throw new InvalidDataException($"{source}: no bytecode");
        if (!hex.StartsWith("0x", StringComparison.Ordinal) || hex.Length < 4)
            throw new InvalidDataException($"{source}: bytecode is not 0x-hex");
        return new ContractArtifact(name, abi.GetRawText(), Convert.FromHexString(hex.AsSpan(2)));
    }
}

/// <summary>
/// The market's contracts as compiled by contracts/build.sh and embedded in this assembly
/// (resource names <c>contracts.&lt;Name&gt;.json</c>), so the command line can deploy them without npm.
/// </summary>
public static class ContractArtifacts
{
    public const string StakeTokenName = "StakeToken";
    public const string RouterName = "VerityVerifierRouter";
    public const string DevelopmentVerifierName = "DevelopmentVerifier";
    public const string MarketName = "VerityMarket";

    public static readonly IReadOnlyList<string> Names = [StakeTokenName, RouterName, DevelopmentVerifierName, MarketName];

    private static readonly ConcurrentDictionary<string, ContractArtifact> Cache = new();

    public static ContractArtifact StakeToken => Get(StakeTokenName);
    public static ContractArtifact Router => Get(RouterName);
    public static ContractArtifact DevelopmentVerifier => Get(DevelopmentVerifierName);
    public static ContractArtifact Market => Get(MarketName);

    public static ContractArtifact Get(string name) => Cache.GetOrAdd(name, static n =>
    {
        var resource = $"contracts.{n}.json";
        using var stream = typeof(ContractArtifacts).Assembly.GetManifestResourceStream(resource)
            ?? throw new ArgumentException($"no embedded contract artifact '{n}' (run contracts/build.sh)", nameof(name));
        using var reader = new StreamReader(stream);
        return ContractArtifact.Parse(reader.ReadToEnd(), resource);
    });

    /// <summary>The raw embedded JSON, byte for byte (what the freshness test compares).</summary>
    public static string RawJson(string name)
    {
        using var stream = typeof(ContractArtifacts).Assembly.GetManifestResourceStream($"contracts.{name}.json")
            ?? throw new ArgumentException($"no embedded contract artifact '{name}'", nameof(name));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
