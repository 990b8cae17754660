using Verity.Node.Configuration;

namespace Verity.Cli.Commands;

/// <summary>
/// Finds the credentials a client or agent uses to talk to a node: the flag, else the environment variable, else the
/// keys the node generated on its first start (<see cref="Node.Configuration.NodeSecrets"/>) in <c>&lt;data dir&gt;/secrets.json</c>
/// (<c>{"apiKey": "...", "agentToken": "..."}</c>), so a local node needs no configuration.
/// </summary>
internal static class NodeCredentials
{
    public const string FileName = Node.Configuration.NodeSecrets.FileName;
    public const string ApiKeyVariable = "VERITY_API_KEY";
    public const string AgentTokenVariable = "VERITY_AGENT_TOKEN";

    /// <summary>
    /// The node's default data directory, as the node resolves it: VERITY_Node__DataDir, else
    /// <see cref="NodeOptions.DefaultDataDir"/>.
    /// </summary>
    public static string DefaultDataDir() =>
        Environment.GetEnvironmentVariable("VERITY_Node__DataDir") is { Length: > 0 } configured ? configured : NodeOptions.DefaultDataDir();

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
        return ReadSecret(dir, property)
            ?? throw new CliException($"No {what}: pass {flagName}, set {variable}, or point --data-dir at the node's data directory (no {property} in '{file}').");
    }

    /// <summary>The property's value in the node's secrets file, or null when there is no file.</summary>
    private static string? ReadSecret(string dir, string property)
    {
        try
        {
            var secrets = Node.Configuration.NodeSecrets.TryLoad(dir);
            return secrets == null ? null : property == "apiKey" ? secrets.ApiKey : secrets.AgentToken;
        }
        catch (InvalidDataException e) { throw new CliException(e.Message); }
        catch (UnauthorizedAccessException) { throw new CliException($"'{Path.Combine(dir, FileName)}' cannot be read (permission denied); pass the key explicitly."); }
    }
}
