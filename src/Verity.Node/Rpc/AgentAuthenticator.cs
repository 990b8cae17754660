using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Verity.Cluster.Store;
using Verity.Node.Api;

namespace Verity.Node.Rpc;

/// <summary>
/// Resolves an agent's bearer token: the node's shared agent token (unless turned off) or a per-agent credential of
/// the task store (<see cref="IAgentCredentialStore"/>, shared by every node on the database). Found credentials are
/// remembered for <see cref="CacheTime"/>, so a revocation on another node takes effect within that time (at once on
/// the node that revoked it).
/// </summary>
internal sealed class AgentAuthenticator(SecretMatch? sharedToken, IAgentCredentialStore? credentials, TimeProvider time)
{
    public static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (string Name, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>The identity the token proves, or null when it proves none.</summary>
    public async Task<AgentIdentity?> AuthenticateAsync(string token, CancellationToken ct)
    {
        if (sharedToken != null && sharedToken.Matches(token)) return AgentIdentity.Shared;
        if (credentials == null) return null;
        string hash = TokenHash(token);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(hash, out var hit) && hit.Until > now) return new AgentIdentity(hit.Name);
        string? name = await credentials.FindAgentByTokenAsync(hash, ct).ConfigureAwait(false);
        if (name == null)
        {
            _cache.TryRemove(hash, out _);
            return null;
        }
        _cache[hash] = (name, now + CacheTime);
        return new AgentIdentity(name);
    }

    /// <summary>Drops what is remembered (after a revocation on this node).</summary>
    public void Forget() => _cache.Clear();

    /// <summary>What the store keeps of a token: its SHA-256, hex. Tokens are 256 random bits, so a fast hash is enough.</summary>
    public static string TokenHash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>A new token: 256 random bits as 64 hex digits.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
