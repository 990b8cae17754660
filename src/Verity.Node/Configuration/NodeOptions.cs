using Verity.Cluster.Broker;

namespace Verity.Node.Configuration;

/// <summary>
/// Settings of a node (section "Node" of the configuration; the broker's settings are section "Broker"). Loaded by
/// <see cref="NodeConfiguration.Load"/> from defaults, an optional JSON file, <c>VERITY_</c> environment variables and
/// flags, in increasing precedence; checked by <see cref="NodeConfiguration.Validate"/>.
/// </summary>
public sealed record NodeOptions
{
    /// <summary>Where the node keeps its SQLite database, filesystem blobs and generated secrets.</summary>
    public string DataDir { get; init; } = DefaultDataDir();

    /// <summary>The task store: "sqlite" (one machine, the default) or "postgres" (a cluster).</summary>
    public string Db { get; init; } = "sqlite";

    public PostgresSettings Postgres { get; init; } = new();

    /// <summary>How long a SQLite write waits for another process's lock on node.db before it fails.</summary>
    public TimeSpan SqliteBusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The blob store: "fs" (files under <see cref="DataDir"/>, the default) or "s3".</summary>
    public string Blobs { get; init; } = "fs";

    public S3Settings S3 { get; init; } = new();

    /// <summary>
    /// This node's name, stable across restarts: its embedded agents are "&lt;name&gt;/embedded/&lt;n&gt;", and on
    /// start the node requeues the tasks they held when it stopped. Null = the host name and a digest of the data dir.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>The name in use: <see cref="Name"/>, or "&lt;host&gt;-&lt;8 hex digits of the data dir's path&gt;".</summary>
    public string EffectiveName => Name ?? $"{Environment.MachineName}-{Convert.ToHexStringLower(
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(DataDir))))[..8]}";

    /// <summary>Embedded agent workers running inside the node (0 = none: only remote agents prove).</summary>
    public int Agents { get; init; } = 1;

    /// <summary>Task types the embedded agents take: a comma-separated list of execute, prove, finalize, or "all".</summary>
    public string AgentTypes { get; init; } = "all";

    /// <summary>The HTTP address Kestrel listens on; port 0 picks a free port.</summary>
    public string Listen { get; init; } = "http://127.0.0.1:8547";

    /// <summary>Keys clients present in <c>x-api-key</c>; empty = one generated key kept in the data dir's secrets file.</summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];

    /// <summary>The bearer token remote agents present; null = one generated and kept in the data dir's secrets file.</summary>
    public string? AgentToken { get; init; }

    /// <summary>OTLP endpoint metrics are exported to (e.g. http://127.0.0.1:4317); null = no export.</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>Largest blob a remote agent may upload through the blob proxy, of any kind (see also <see cref="BlobLimits"/>).</summary>
    public long MaxAgentBlobBytes { get; init; } = 2_000_000_000;

    /// <summary>Per-kind upload limits and the idle timeout of upload bodies (section "Node:BlobLimits").</summary>
    public BlobLimitSettings BlobLimits { get; init; } = new();

    /// <summary>
    /// Whether the shared <see cref="AgentToken"/> is accepted besides per-agent credentials (<c>verity node agents</c>,
    /// /v1/admin/agents). False: only per-agent tokens, each bound to its agent name and revocable.
    /// </summary>
    public bool SharedAgentToken { get; init; } = true;

    /// <summary>Requests slower than this are logged even when they succeed.</summary>
    public TimeSpan SlowRequestThreshold { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The proving broker's settings (configuration section "Broker").</summary>
    public BrokerOptions Broker { get; init; } = new();

    /// <summary>Aztec's proving-broker protocol on its own listener (section Node:Aztec; docs/AZTEC.md); off unless Listen is set.</summary>
    public Verity.Aztec.AztecOptions Aztec { get; init; } = new();

    /// <summary>The SQLite database file used when <see cref="Db"/> is "sqlite".</summary>
    public string SqlitePath => Path.Combine(DataDir, "node.db");

    /// <summary>The blob directory used when <see cref="Blobs"/> is "fs".</summary>
    public string BlobDir => Path.Combine(DataDir, "blobs");

    /// <summary><c>$XDG_DATA_HOME/verity</c>, else <c>~/.local/share/verity</c>.</summary>
    public static string DefaultDataDir()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "verity");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".local", "share", "verity");
    }
}

/// <summary>PostgreSQL settings (section "Node:Postgres").</summary>
public sealed record PostgresSettings
{
    /// <summary>An Npgsql connection string ("Host=...;Database=...;Username=...;Password=...").</summary>
    public string? ConnectionString { get; init; }
}

/// <summary>S3-compatible object storage settings (section "Node:S3").</summary>
public sealed record S3Settings
{
    /// <summary>Endpoint of the S3-compatible service (MinIO, R2, AWS: https://s3.&lt;region&gt;.amazonaws.com); required with blobs "s3".</summary>
    public string? ServiceUrl { get; init; }
    public string? Bucket { get; init; }
    public string Region { get; init; } = "us-east-1";
    /// <summary>Static credentials; null = the AWS SDK's default credential chain.</summary>
    public string? AccessKey { get; init; }
    public string? SecretKey { get; init; }
    /// <summary>Prefix put before every blob key (e.g. "verity/"), so one bucket can hold several nodes.</summary>
    public string KeyPrefix { get; init; } = "";
    /// <summary>Path-style addressing (bucket in the path), needed by most self-hosted S3 services.</summary>
    public bool ForcePathStyle { get; init; } = true;
}
