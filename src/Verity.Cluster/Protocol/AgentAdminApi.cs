namespace Verity.Cluster.Protocol;

/// <summary>
/// Per-agent credentials over the client API (API key required): POST <see cref="Path"/> {"name"} creates one and
/// answers its token (shown only then), GET lists them, DELETE <see cref="Path"/>/&lt;name&gt; revokes one.
/// </summary>
public static class AgentAdminApi
{
    public const string Path = "/v1/admin/agents";
}

public sealed record CreateAgentRequest
{
    public string? Name { get; init; }
}

/// <summary>A new credential: agents using <see cref="Token"/> must use agent ids "&lt;name&gt;/…" (e.g. <c>verity agent --name</c>).</summary>
public sealed record AgentCreated(string Name, string Token);

public sealed record AgentCredentialView(string Name, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
