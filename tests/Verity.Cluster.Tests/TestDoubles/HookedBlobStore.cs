using Verity.Cluster.Blobs;

namespace Verity.Cluster.Tests.TestDoubles;

/// <summary>
/// TEST DOUBLE: a blob store that runs <see cref="AfterExists"/> once, the first time a key it names is checked,
/// after the check and before its answer returns — a deterministic place to interleave another actor (cleanup)
/// between a caller's check and its next step. Reads of <see cref="CorruptKeys"/> fail as a digest mismatch would.
/// </summary>
internal sealed class HookedBlobStore(IBlobStore inner) : IBlobStore
{
    public string? HookKey { get; set; }

    public Func<Task>? AfterExists { get; set; }

    public async Task<bool> ExistsAsync(string key, CancellationToken ct = default)
    {
        bool exists = await inner.ExistsAsync(key, ct);
        if (key == HookKey && AfterExists is { } hook)
        {
            AfterExists = null;
            await hook();
        }
        return exists;
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default) => inner.PutAsync(key, data, ct);

    public HashSet<string> CorruptKeys { get; } = [];

    public Task<byte[]?> GetAsync(string key, CancellationToken ct = default) =>
        CorruptKeys.Contains(key) ? throw new BlobCorruptedException(key, "its digest does not match the stored one") : inner.GetAsync(key, ct);

    public Task PutAsync(string key, Stream data, long? length, CancellationToken ct = default) => inner.PutAsync(key, data, length, ct);

    public Task<BlobReadStream?> OpenReadAsync(string key, CancellationToken ct = default) =>
        CorruptKeys.Contains(key) ? throw new BlobCorruptedException(key, "its digest does not match the stored one") : inner.OpenReadAsync(key, ct);

    public Task DeleteAsync(string key, CancellationToken ct = default) => inner.DeleteAsync(key, ct);

    public Task<int> DeletePrefixAsync(string prefix, CancellationToken ct = default) => inner.DeletePrefixAsync(prefix, ct);

    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);
}
