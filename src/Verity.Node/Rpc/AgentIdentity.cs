namespace Verity.Node.Rpc;

/// <summary>
/// Who an agent request comes from: a per-agent credential's <see cref="Name"/> (its agent ids must start with
/// "&lt;name&gt;/"), or null for the node's shared agent token, which binds no name.
/// </summary>
internal sealed record AgentIdentity(string? Name)
{
    /// <summary>Where <see cref="AgentTokenFilter"/> leaves it in <see cref="HttpContext.Items"/>.</summary>
    public const string ItemKey = "verity.agent";

    public static readonly AgentIdentity Shared = new((string?)null);

    public static AgentIdentity Of(HttpContext http) =>
        http.Items.TryGetValue(ItemKey, out var v) && v is AgentIdentity id ? id : throw new InvalidOperationException("no agent identity: the route lacks AgentTokenFilter");

    /// <summary>True when this identity may act as <paramref name="agentId"/>.</summary>
    public bool MayActAs(string? agentId) => Name == null || (agentId != null && agentId.StartsWith(Name + "/", StringComparison.Ordinal));
}
