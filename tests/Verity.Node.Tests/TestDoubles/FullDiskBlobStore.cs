using Verity.Cluster.Blobs;
using Verity.Cluster.Tests.TestDoubles;

namespace Verity.Node.Tests.TestDoubles;

/// <summary>
/// TEST DOUBLE, not shipped: a blob store whose disk a test can fill. While <see cref="Full"/>, writes fail with the
/// IOException .NET throws for ENOSPC (on Linux the real one, from writing to /dev/full); reads and deletes pass.
/// </summary>
internal sealed class FullDiskBlobStore(IBlobStore inner) : IBlobStore
{
    public volatile bool Full;

    /// <summary>The keys of the writes refused while full, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Refused { get; } = new();

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        if (!Full) return inner.PutAsync(key, data, ct);
        Refused.Enqueue(key);
        throw DiskFullErrors.Create();
    }

    public Task PutAsync(string key, Stream data, long? length, CancellationToken ct = default)
    {
        if (!Full) return inner.PutAsync(key, data, length, ct);
        Refused.Enqueue(key);
        throw DiskFullErrors.Create();
    }

    public Task<BlobReadStream?> OpenReadAsync(string key, CancellationToken ct = default) => inner.OpenReadAsync(key, ct);
    public Task<byte[]?> GetAsync(string key, CancellationToken ct = default) => inner.GetAsync(key, ct);
    public Task<bool> ExistsAsync(string key, CancellationToken ct = default) => inner.ExistsAsync(key, ct);
    public Task DeleteAsync(string key, CancellationToken ct = default) => inner.DeleteAsync(key, ct);
    public Task<int> DeletePrefixAsync(string prefix, CancellationToken ct = default) => inner.DeletePrefixAsync(prefix, ct);
    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);
}
