using System.Security.Cryptography;
using System.Text;

namespace Verity.Node.Api;

/// <summary>
/// Compares a presented secret with the configured ones in constant time: both sides are hashed first (so lengths
/// leak nothing) and every configured secret is compared (so which one matched leaks nothing either).
/// </summary>
internal sealed class SecretMatch
{
    private readonly byte[][] _hashes;

    public SecretMatch(IEnumerable<string> secrets) => _hashes = secrets.Select(Hash).ToArray();

    public bool Matches(string? presented)
    {
        if (string.IsNullOrEmpty(presented)) return false;
        byte[] hash = Hash(presented);
        bool any = false;
        foreach (var h in _hashes) any |= CryptographicOperations.FixedTimeEquals(h, hash);
        return any;
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
