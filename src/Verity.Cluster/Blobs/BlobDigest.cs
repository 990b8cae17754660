using System.Security.Cryptography;

namespace Verity.Cluster.Blobs;

/// <summary>What a blob store records with every blob and checks on every read: the SHA-256 of its bytes and their count.</summary>
public readonly record struct BlobDigest(string Sha256Hex, long Length)
{
    public const int HashBytes = 32;

    public static BlobDigest Of(ReadOnlySpan<byte> data) => new(Convert.ToHexStringLower(SHA256.HashData(data)), data.Length);

    /// <summary>Parses a recorded digest (64 hex digits and a length ≥ 0); false when either is missing or malformed.</summary>
    public static bool TryParse(string? sha256Hex, string? length, out BlobDigest digest)
    {
        digest = default;
        if (sha256Hex is not { Length: HashBytes * 2 } || !sha256Hex.All(char.IsAsciiHexDigit)) return false;
        if (!long.TryParse(length, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n)) return false;
        digest = new BlobDigest(sha256Hex.ToLowerInvariant(), n);
        return true;
    }

    /// <summary>Throws <see cref="BlobCorruptedException"/> unless <paramref name="actual"/> is this digest.</summary>
    public void Check(string key, BlobDigest actual)
    {
        if (actual.Length != Length)
            throw new BlobCorruptedException(key, $"it has {actual.Length} bytes, but {Length} were stored");
        if (!string.Equals(actual.Sha256Hex, Sha256Hex, StringComparison.OrdinalIgnoreCase))
            throw new BlobCorruptedException(key, $"its SHA-256 is {actual.Sha256Hex}, but {Sha256Hex} was stored");
    }
}
