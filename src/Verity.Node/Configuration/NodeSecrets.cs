using System.Security.Cryptography;
using System.Text.Json;
using Verity.Cluster.Protocol;

namespace Verity.Node.Configuration;

/// <summary>
/// The API key and agent token a node generates when none are configured, kept in <c>&lt;DataDir&gt;/secrets.json</c>
/// (mode 0600) so later starts — and <c>verity job</c> pointed at the same data dir — use the same ones.
/// </summary>
public sealed record NodeSecrets(string ApiKey, string AgentToken)
{
    public const string FileName = "secrets.json";

    public static string PathIn(string dataDir) => Path.Combine(dataDir, FileName);

    /// <summary>The secrets stored in the data dir, or null when there are none.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a secrets file.</exception>
    public static NodeSecrets? TryLoad(string dataDir)
    {
        string path = PathIn(dataDir);
        string json;
        try { json = File.ReadAllText(path); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        NodeSecrets? secrets;
        try { secrets = JsonSerializer.Deserialize<NodeSecrets>(json, ClusterJson.Options); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a secrets file: {e.Message}", e); }
        if (secrets == null || string.IsNullOrEmpty(secrets.ApiKey) || string.IsNullOrEmpty(secrets.AgentToken))
            throw new InvalidDataException($"{path} is not a secrets file: it needs apiKey and agentToken");
        return secrets;
    }

    /// <summary>The stored secrets, generating and storing new ones on first use.</summary>
    public static NodeSecrets LoadOrCreate(string dataDir)
    {
        if (TryLoad(dataDir) is { } existing) return existing;
        Cluster.Blobs.PrivateFiles.CreateDirectory(dataDir);
        var fresh = new NodeSecrets(NewSecret(), NewSecret());
        string path = PathIn(dataDir);
        string tmp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(tmp, fileOptions))
            {
                JsonSerializer.Serialize(stream, fresh, ClusterJson.Options);
                stream.Flush(flushToDisk: true);
            }
            // Two nodes starting at once on one data dir: the first rename wins and both use its secrets.
            try { File.Move(tmp, path, overwrite: false); }
            catch (IOException) when (File.Exists(path)) { return TryLoad(dataDir) ?? fresh; }
            return fresh;
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>
    /// Fills in what the options leave unset (no API keys, no agent token) from the data dir's secrets, creating them
    /// on first start. Options with both set are returned as they are and no file is written.
    /// </summary>
    public static NodeOptions Apply(NodeOptions options)
    {
        if (options.ApiKeys.Count > 0 && options.AgentToken != null) return options;
        var secrets = LoadOrCreate(options.DataDir);
        return options with
        {
            ApiKeys = options.ApiKeys.Count > 0 ? options.ApiKeys : [secrets.ApiKey],
            AgentToken = options.AgentToken ?? secrets.AgentToken,
        };
    }

    /// <summary>256 random bits as 64 hex digits.</summary>
    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
