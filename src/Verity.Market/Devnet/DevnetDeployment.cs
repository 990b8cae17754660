using System.Text.Json;
using System.Text.Json.Serialization;
using Verity.Market.Settings;

namespace Verity.Market.Devnet;

/// <summary>One account of a devnet: its address and (in the file only, never printed) its key.</summary>
public sealed record DevnetAccount(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("key")] string Key)
{
    /// <summary>The key stays out of logs and exception text even when the record is printed.</summary>
    public override string ToString() => $"DevnetAccount {{ Address = {Address}, Key = (redacted) }}";
}

/// <summary>The market's contract addresses.</summary>
public sealed record DevnetAddresses(
    [property: JsonPropertyName("stakeToken")] string StakeToken,
    [property: JsonPropertyName("router")] string Router,
    [property: JsonPropertyName("developmentVerifier")] string DevelopmentVerifier,
    [property: JsonPropertyName("market")] string Market);

/// <summary>
/// <c>deployment.json</c> of a devnet (written by <c>verity devnet up</c>, mode 0600 because it holds keys): where the
/// chain is, what is deployed on it, and the role → account map the CLI's <c>--account</c> picks from.
/// </summary>
public sealed record DevnetDeployment(
    [property: JsonPropertyName("rpcUrl")] string RpcUrl,
    [property: JsonPropertyName("chainId")] long ChainId,
    [property: JsonPropertyName("addresses")] DevnetAddresses Addresses,
    [property: JsonPropertyName("deploymentBlock")] ulong DeploymentBlock,
    [property: JsonPropertyName("developmentMode")] bool DevelopmentMode,
    [property: JsonPropertyName("accounts")] IReadOnlyDictionary<string, DevnetAccount> Accounts)
{
    public const string FileName = "deployment.json";

    /// <summary>The roles <c>--account</c> accepts.</summary>
    public static readonly string[] Roles = ["requestor", "prover", "prover2"];

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The default devnet directory: $XDG_DATA_HOME/verity/devnet, else ~/.local/share/verity/devnet.</summary>
    public static string DefaultDirectory() => DefaultDirectory(Environment.GetEnvironmentVariable);

    public static string DefaultDirectory(Func<string, string?> environment)
    {
        var xdg = environment("XDG_DATA_HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(root, "verity", "devnet");
    }

    public static string DefaultFile() => Path.Combine(DefaultDirectory(), FileName);

    public static string DefaultFile(Func<string, string?> environment) => Path.Combine(DefaultDirectory(environment), FileName);

    /// <exception cref="MarketSettingsException">Missing, unreadable or malformed (the message names the file and the problem).</exception>
    public static DevnetDeployment Load(string path)
    {
        if (!File.Exists(path)) throw new MarketSettingsException($"deployment file '{path}' does not exist (start a devnet with `verity devnet up`)");
        DevnetDeployment? d;
        try { d = JsonSerializer.Deserialize<DevnetDeployment>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new MarketSettingsException($"deployment file '{path}' is not valid JSON: {e.Message}"); }
        catch (IOException e) { throw new MarketSettingsException($"deployment file '{path}' cannot be read: {e.Message}"); }
        catch (UnauthorizedAccessException e) { throw new MarketSettingsException($"deployment file '{path}' cannot be read: {e.Message}"); }
        if (d is null || d.RpcUrl is null || d.Addresses is null || d.Accounts is null
            || d.Addresses.Market is null || d.Addresses.Router is null || d.Addresses.StakeToken is null)
            throw new MarketSettingsException($"deployment file '{path}' lacks rpcUrl, addresses or accounts");
        return d;
    }

    /// <summary>Writes the file readable by its owner only: it holds private keys.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
            JsonSerializer.Serialize(stream, this, Json);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Development mode (development seals accepted) holds only for a deployment that says so on anvil's chain id: the
    /// development verifier refuses to deploy anywhere else, and a file claiming otherwise is not trusted.
    /// </summary>
    public bool IsDevelopment => DevelopmentMode && ChainId == Chain.Anvil.AnvilProcess.DevelopmentChainId;
}
