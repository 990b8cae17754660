using System.Text.Json;

namespace Verity.Cli.Commands;

/// <summary>
/// Finds the credentials a client or agent uses to talk to a node: the flag, else the environment variable, else the
/// keys the node generated on its first start in <c>&lt;data dir&gt;/secrets.json</c>
/// (<c>{"apiKey": "...", "agentToken": "..."}</c>), so a local node needs no configuration.
/// </summary>
internal static class NodeSecrets
{
    public const string FileName = "secrets.json";
    public const string ApiKeyVariable = "VERITY_API_KEY";
    public const string AgentTokenVariable = "VERITY_AGENT_TOKEN";

    /// <summary>
    /// The node's default data directory, as the node resolves it: VERITY_Node__DataDir, else $XDG_DATA_HOME/verity,
    /// else ~/.local/share/verity.
    /// </summary>
    public static string DefaultDataDir()
    {
        if (Environment.GetEnvironmentVariable("VERITY_Node__DataDir") is { Length: > 0 } configured) return configured;
        if (Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "verity");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "verity");
    }

    public static string ResolveApiKey(string? flag, DirectoryInfo? dataDir) =>
        Resolve(flag, "--api-key", ApiKeyVariable, "apiKey", dataDir, "API key");

    public static string ResolveAgentToken(string? flag, DirectoryInfo? dataDir) =>
        Resolve(flag, "--token", AgentTokenVariable, "agentToken", dataDir, "agent token");

    private static string Resolve(string? flag, string flagName, string variable, string property, DirectoryInfo? dataDir, string what)
    {
        if (flag != null)
        {
            if (string.IsNullOrWhiteSpace(flag)) throw new CliException($"{flagName} is empty.");
            return flag.Trim();
        }
        if (Environment.GetEnvironmentVariable(variable) is { } env && !string.IsNullOrWhiteSpace(env)) return env.Trim();
        string dir = dataDir?.FullName ?? DefaultDataDir();
        string file = Path.Combine(dir, FileName);
        return ReadSecret(file, property)
            ?? throw new CliException($"No {what}: pass {flagName}, set {variable}, or point --data-dir at the node's data directory (no {property} in '{file}').");
    }

    /// <summary>The property's value in a secrets file, or null when the file or the property is missing.</summary>
    private static string? ReadSecret(string file, string property)
    {
        if (!File.Exists(file)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new CliException($"'{file}' is not a JSON object.");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!p.NameEquals(property) && !string.Equals(p.Name, property, StringComparison.OrdinalIgnoreCase)) continue;
                if (p.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(p.Value.GetString()))
                    throw new CliException($"'{file}': {property} is not a non-empty string.");
                return p.Value.GetString()!.Trim();
            }
            return null;
        }
        catch (JsonException e) { throw new CliException($"'{file}' is not valid JSON: {e.Message}"); }
        catch (UnauthorizedAccessException) { throw new CliException($"'{file}' cannot be read (permission denied); pass the key explicitly."); }
    }
}
