using System.Text.Json;
using System.Text.Json.Serialization;
using Nethereum.Util;
using Verity.Market.Devnet;

namespace Verity.Market.Settings;

/// <summary>
/// Where the market is and who acts on it. Each setting comes from the first source that has it: the command line's
/// flags, then the environment (VERITY_RPC_URL, VERITY_PRIVATE_KEY, VERITY_MARKET_ADDRESS, VERITY_ORDER_STREAM_URL),
/// then a JSON config file (<c>--config</c>), then the devnet deployment file (<c>--deployment</c>, or the default one
/// when it exists). Settings are checked when resolved; a missing one is an error only when a command needs it.
/// </summary>
public sealed class MarketSettings
{
    public const string RpcUrlVariable = "VERITY_RPC_URL";
    public const string PrivateKeyVariable = "VERITY_PRIVATE_KEY";
    public const string MarketAddressVariable = "VERITY_MARKET_ADDRESS";
    public const string OrderStreamUrlVariable = "VERITY_ORDER_STREAM_URL";

    private readonly string? _privateKey;

    private MarketSettings(string? rpcUrl, string? market, string? orderStream, string? privateKey, string? keySource,
        DevnetDeployment? deployment)
    {
        RpcUrl = rpcUrl;
        MarketAddress = market;
        OrderStreamUrl = orderStream;
        _privateKey = privateKey;
        KeySource = keySource;
        Deployment = deployment;
    }

    /// <summary>The (first) JSON-RPC URL.</summary>
    public string? RpcUrl { get; }
    /// <summary>Every JSON-RPC URL given (comma-separated), in the order to try them; empty when none.</summary>
    public IReadOnlyList<string> RpcUrls { get; init; } = [];
    public string? MarketAddress { get; }
    public string? OrderStreamUrl { get; }
    /// <summary>Where the key came from ("--account prover", "VERITY_PRIVATE_KEY", …), for messages; never the key.</summary>
    public string? KeySource { get; }
    /// <summary>The devnet deployment, when one was read and it describes the market in use (same address).</summary>
    public DevnetDeployment? Deployment { get; }
    public bool HasPrivateKey => _privateKey != null;

    /// <summary>Development seals are sent only for a devnet deployment that says so, on chain 31337, for its own market.</summary>
    public bool IsDevelopment => Deployment is { IsDevelopment: true };

    public string RequireRpcUrl() => RpcUrl ?? throw new MarketSettingsException(
        $"no Ethereum RPC URL: give --rpc-url or set {RpcUrlVariable} (or start a devnet with `verity devnet up`)");

    public string RequireMarketAddress() => MarketAddress ?? throw new MarketSettingsException(
        $"no market address: give --market or set {MarketAddressVariable} (or start a devnet with `verity devnet up`)");

    public string RequireOrderStreamUrl() => OrderStreamUrl ?? throw new MarketSettingsException(
        $"no order stream URL: give --order-stream or set {OrderStreamUrlVariable}");

    /// <summary>The private key (hex). Callers turn it into a signer at once and never print it.</summary>
    public string RequirePrivateKey() => _privateKey ?? throw new MarketSettingsException(
        $"no private key: give --account requestor|prover|prover2 (devnet), --private-key-file, or set {PrivateKeyVariable}");

    /// <summary>These settings with another order stream URL (a command's own flag, e.g. <c>request submit --offchain</c>).</summary>
    public MarketSettings WithOrderStream(string url, string from)
    {
        CheckUrl(url, from, ["http", "https"]);
        return new MarketSettings(RpcUrl, MarketAddress, url, _privateKey, KeySource, Deployment) { RpcUrls = RpcUrls };
    }

    public static MarketSettings Resolve(MarketSettingsSources flags) => Resolve(flags, Environment.GetEnvironmentVariable);

    /// <param name="environment">reads an environment variable (tests pass their own).</param>
    public static MarketSettings Resolve(MarketSettingsSources flags, Func<string, string?> environment)
    {
        var config = flags.ConfigFile is { } cf ? ConfigFile.Load(cf) : null;
        string deploymentName = flags.DeploymentFile ?? DevnetDeployment.DefaultFile(environment);
        var deployment = flags.DeploymentFile != null || File.Exists(deploymentName) ? DevnetDeployment.Load(deploymentName) : null;
        string configName = flags.ConfigFile ?? "";

        string? Env(string name) => environment(name) is { Length: > 0 } v ? v.Trim() : null;

        var (rpc, rpcFrom) = First(
            (flags.RpcUrl, "--rpc-url"), (Env(RpcUrlVariable), RpcUrlVariable),
            (config?.RpcUrl, $"rpcUrl in {configName}"), (deployment?.RpcUrl, $"rpcUrl in {deploymentName}"));
        // Several URLs, comma-separated, are fallbacks tried in order (the broker); single-call commands use the first.
        string[] rpcUrls = rpc?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (rpc != null && rpcUrls.Length == 0) throw new MarketSettingsException($"{rpcFrom}: '{rpc}' holds no URL");
        foreach (var url in rpcUrls) CheckUrl(url, rpcFrom!, ["http", "https", "ws", "wss"]);

        var (market, marketFrom) = First(
            (flags.MarketAddress, "--market"), (Env(MarketAddressVariable), MarketAddressVariable),
            (config?.MarketAddress, $"marketAddress in {configName}"), (deployment?.Addresses.Market, $"addresses.market in {deploymentName}"));
        if (market != null)
        {
            if (!AddressUtil.Current.IsValidEthereumAddressHexFormat(market))
                throw new MarketSettingsException($"{marketFrom}: '{market}' is not an Ethereum address (0x and 40 hex digits)");
            market = AddressUtil.Current.ConvertToChecksumAddress(market);
        }

        var (stream, streamFrom) = First(
            (flags.OrderStreamUrl, "--order-stream"), (Env(OrderStreamUrlVariable), OrderStreamUrlVariable),
            (config?.OrderStreamUrl, $"orderStreamUrl in {configName}"));
        if (stream != null) CheckUrl(stream, streamFrom!, ["http", "https"]);

        // The key: --account and --private-key-file are flags; then the environment; then the config file.
        if (flags.Account != null && flags.PrivateKeyFile != null)
            throw new MarketSettingsException("give one of --account and --private-key-file, not both");
        string? key = null, keyFrom = null;
        if (flags.Account is { } role)
        {
            if (deployment is null)
                throw new MarketSettingsException($"--account {role}: no devnet deployment file ({deploymentName}); start one with `verity devnet up` or give --deployment");
            if (!deployment.Accounts.TryGetValue(role, out var account))
                throw new MarketSettingsException($"--account '{role}' is not a role of {deploymentName} (roles: {string.Join(", ", deployment.Accounts.Keys)})");
            (key, keyFrom) = (account.Key, $"--account {role}");
        }
        else if (flags.PrivateKeyFile is { } kf) (key, keyFrom) = (ReadKeyFile(kf, "--private-key-file"), "--private-key-file");
        else if (Env(PrivateKeyVariable) is { } ek) (key, keyFrom) = (ek, PrivateKeyVariable);
        else if (config?.PrivateKeyFile is { } ckf) (key, keyFrom) = (ReadKeyFile(ckf, $"privateKeyFile in {configName}"), $"privateKeyFile in {configName}");
        else if (config?.PrivateKey is { } ck) (key, keyFrom) = (ck, $"privateKey in {configName}");

        // The deployment describes this market only when the addresses agree: development mode is never inferred for another one.
        var applies = deployment != null && market != null
            && string.Equals(deployment.Addresses.Market, market, StringComparison.OrdinalIgnoreCase) ? deployment : null;
        // No key given anywhere: on the devnet itself, the command's own role signs (a devnet's keys are anvil's public ones).
        if (key is null && flags.DefaultRole is { } defaultRole && applies?.Accounts.TryGetValue(defaultRole, out var roleAccount) == true)
            (key, keyFrom) = (roleAccount!.Key, $"the devnet's {defaultRole} account (default; --account picks another)");
        if (key != null) key = CheckKey(key, keyFrom!);
        return new MarketSettings(rpcUrls.FirstOrDefault(), market, stream, key, keyFrom, applies) { RpcUrls = rpcUrls };
    }

    private static (string? Value, string? From) First(params (string? Value, string From)[] candidates)
    {
        foreach (var (value, from) in candidates)
            if (!string.IsNullOrWhiteSpace(value)) return (value.Trim(), from);
        return (null, null);
    }

    private static void CheckUrl(string url, string from, string[] schemes)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !schemes.Contains(uri.Scheme))
            throw new MarketSettingsException($"{from}: '{url}' is not an absolute {string.Join("/", schemes)} URL");
    }

    private static string ReadKeyFile(string path, string from)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MarketSettingsException($"{from}: cannot read '{path}': {e.Message}");
        }
    }

    /// <summary>32 bytes of hex, with or without 0x; the error names the source, never the value.</summary>
    private static string CheckKey(string key, string from)
    {
        var hex = key.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? key[2..] : key;
        if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
            throw new MarketSettingsException($"{from}: not a private key (expected 64 hex digits, got {hex.Length} characters)");
        return "0x" + hex.ToLowerInvariant();
    }

    /// <summary>The JSON config file (<c>--config</c>); unknown properties are refused so that typos do not go unnoticed.</summary>
    private sealed record ConfigFile(
        [property: JsonPropertyName("rpcUrl")] string? RpcUrl,
        [property: JsonPropertyName("marketAddress")] string? MarketAddress,
        [property: JsonPropertyName("orderStreamUrl")] string? OrderStreamUrl,
        [property: JsonPropertyName("privateKey")] string? PrivateKey,
        [property: JsonPropertyName("privateKeyFile")] string? PrivateKeyFile)
    {
        private static readonly JsonSerializerOptions Options = new() { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

        public static ConfigFile Load(string path)
        {
            if (!File.Exists(path)) throw new MarketSettingsException($"--config: file '{path}' does not exist");
            try
            {
                return JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(path), Options)
                    ?? throw new MarketSettingsException($"--config: '{path}' is empty (null)");
            }
            catch (JsonException e)
            {
                // JsonException messages quote the path inside the document (e.g. "$.rpcUrl"), never values: safe to show.
                throw new MarketSettingsException($"--config: '{path}' is not a valid config file ({e.Message}; properties: rpcUrl, marketAddress, orderStreamUrl, privateKey, privateKeyFile)");
            }
        }

        public override string ToString() => "ConfigFile (redacted)";
    }
}
