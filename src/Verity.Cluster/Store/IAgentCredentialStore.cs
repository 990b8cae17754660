namespace Verity.Cluster.Store;

/// <summary>
/// Per-agent credentials, kept in the task store so every node over one database accepts the same agents: each agent
/// name has its own token (only its SHA-256 is stored), revocable. Both task stores implement it.
/// </summary>
public interface IAgentCredentialStore
{
    /// <summary>Records a credential; false when <paramref name="name"/> already has one that is not revoked (a revoked one is replaced).</summary>
    Task<bool> AddAgentCredentialAsync(string name, string tokenSha256Hex, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Revokes the name's credential; false when it has none or it is already revoked.</summary>
    Task<bool> RevokeAgentCredentialAsync(string name, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Every credential (revoked ones too), by name.</summary>
    Task<IReadOnlyList<AgentCredential>> ListAgentCredentialsAsync(CancellationToken ct = default);

    /// <summary>The name whose unrevoked credential has this token hash, or null.</summary>
    Task<string?> FindAgentByTokenAsync(string tokenSha256Hex, CancellationToken ct = default);
}

/// <summary>One agent credential as listed (never the token).</summary>
public sealed record AgentCredential(string Name, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
