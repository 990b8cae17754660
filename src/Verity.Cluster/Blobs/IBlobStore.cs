namespace Verity.Cluster.Blobs;

/// <summary>
/// Where the cluster keeps bytes (DESIGN §5): ELFs, inputs, executed runs, proofs, receipts. Keys are relative paths of
/// lowercase letters, digits, '/', '-', '_' and '.' (see <see cref="BlobKeys"/>). Writes are atomic: a reader sees the
/// whole blob or none. Every blob is stored with its SHA-256 digest and length, and every read checks them: a blob
/// whose bytes do not match (or whose digest record is missing) throws <see cref="BlobCorruptedException"/>.
/// Receipts (<see cref="BlobKeys.IsReceipt"/>) are write-once: a put of other bytes over an existing receipt throws
/// <see cref="BlobConflictException"/>, the same bytes again succeed (a retried upload).
/// Implementations: <see cref="FileBlobStore"/> (default) and <see cref="S3BlobStore"/>.
/// </summary>
public interface IBlobStore
{
    /// <summary>Stores the bytes under the key, replacing any blob there (receipts: see the type's remarks).</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default);

    /// <summary>
    /// Stores what <paramref name="data"/> yields until its end, without holding it in memory (large runs and proofs,
    /// uploads through the node). With <paramref name="length"/> given, a stream of another length is refused
    /// (<see cref="InvalidDataException"/>) and nothing is stored.
    /// </summary>
    Task PutAsync(string key, Stream data, long? length, CancellationToken ct = default);

    /// <summary>The blob's bytes, or null when there is none.</summary>
    /// <exception cref="BlobCorruptedException">The bytes do not match their recorded digest or length.</exception>
    Task<byte[]?> GetAsync(string key, CancellationToken ct = default);

    /// <summary>
    /// The blob as a stream (null when there is none) that checks the digest as it is read: the read that would
    /// return the last bytes of a corrupted blob throws <see cref="BlobCorruptedException"/> instead. Dispose it.
    /// </summary>
    Task<BlobReadStream?> OpenReadAsync(string key, CancellationToken ct = default);

    Task<bool> ExistsAsync(string key, CancellationToken ct = default);

    /// <summary>Deletes the blob if present.</summary>
    Task DeleteAsync(string key, CancellationToken ct = default);

    /// <summary>Deletes every blob whose key starts with the prefix (e.g. "jobs/&lt;id&gt;/"); returns how many.</summary>
    Task<int> DeletePrefixAsync(string prefix, CancellationToken ct = default);

    /// <summary>Keys under the prefix (for cleanup and tests), in no particular order.</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken ct = default);
}
