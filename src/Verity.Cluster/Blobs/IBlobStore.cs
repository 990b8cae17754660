namespace Verity.Cluster.Blobs;

/// <summary>
/// Where the cluster keeps bytes (DESIGN §5): ELFs, inputs, executed runs, proofs, receipts. Keys are relative paths of
/// lowercase letters, digits, '/', '-', '_' and '.' (see <see cref="BlobKeys"/>). Writes are atomic: a reader sees the
/// whole blob or none. Implementations: <see cref="FileBlobStore"/> (default) and <see cref="S3BlobStore"/>.
/// </summary>
public interface IBlobStore
{
    /// <summary>Stores the bytes under the key, replacing any blob there.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default);

    /// <summary>The blob's bytes, or null when there is none.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken ct = default);

    Task<bool> ExistsAsync(string key, CancellationToken ct = default);

    /// <summary>Deletes the blob if present.</summary>
    Task DeleteAsync(string key, CancellationToken ct = default);

    /// <summary>Deletes every blob whose key starts with the prefix (e.g. "jobs/&lt;id&gt;/"); returns how many.</summary>
    Task<int> DeletePrefixAsync(string prefix, CancellationToken ct = default);

    /// <summary>Keys under the prefix (for cleanup and tests), in no particular order.</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken ct = default);
}
