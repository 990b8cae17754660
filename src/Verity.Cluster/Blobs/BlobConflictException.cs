namespace Verity.Cluster.Blobs;

/// <summary>
/// A put would replace a write-once blob (a receipt) with other bytes. The message names the key; the blob there is
/// left as it was.
/// </summary>
public sealed class BlobConflictException(string key)
    : IOException($"blob '{key}' already exists with other bytes and cannot be replaced (receipts are write-once)")
{
    public string Key { get; } = key;
}
