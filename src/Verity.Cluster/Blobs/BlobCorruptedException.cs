namespace Verity.Cluster.Blobs;

/// <summary>
/// A blob is present but its bytes are not the ones that were stored: the digest recorded when it was written does not
/// match what was read back (or the record of it is missing or malformed). The message names the key. Readers treat the
/// blob as lost: a job's proof is re-proved, a receipt is never served.
/// </summary>
public sealed class BlobCorruptedException(string key, string reason, Exception? inner = null)
    : IOException($"blob '{key}' is corrupted: {reason}", inner)
{
    /// <summary>The key of the corrupted blob.</summary>
    public string Key { get; } = key;
}
