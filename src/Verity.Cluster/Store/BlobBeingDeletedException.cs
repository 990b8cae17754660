namespace Verity.Cluster.Store;

/// <summary>
/// Job creation refused because cleanup has claimed the job's image or input for deletion (see
/// <see cref="ITaskStore.TryClaimBlobDeletionAsync"/>): the blob is about to go, so a job must not start using it.
/// Uploading it again and retrying succeeds once the deletion is over.
/// </summary>
public sealed class BlobBeingDeletedException(SharedBlob kind, string id)
    : InvalidOperationException($"{kind.Name()} {id} is being deleted by cleanup; upload it again and retry")
{
    public SharedBlob Kind { get; } = kind;
    public string Id { get; } = id;
}
