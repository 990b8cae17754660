using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>How job creation respects cleanup's deletion claims (<see cref="ITaskStore.TryClaimBlobDeletionAsync"/>), in
/// both stores.</summary>
internal static class BlobClaims
{
    /// <summary>The arguments of <see cref="CommonSql.ClaimedBlobs"/> for a new job.</summary>
    public static object Args(JobSpec spec, long nowMs) => new
    {
        ImageKey = SharedBlob.Image.Key(spec.ImageId),
        InputKey = SharedBlob.Input.Key(spec.InputId),
        ClaimedAfter = nowMs - (long)ITaskStore.BlobClaimLifetime.TotalMilliseconds,
    };

    /// <summary>Throws if cleanup claimed the new job's image or input (<paramref name="claimed"/>: the claimed keys).</summary>
    public static void RefuseClaimed(IEnumerable<string> claimed, JobSpec spec)
    {
        foreach (string key in claimed)
            throw key == SharedBlob.Image.Key(spec.ImageId)
                ? new BlobBeingDeletedException(SharedBlob.Image, spec.ImageId)
                : new BlobBeingDeletedException(SharedBlob.Input, spec.InputId);
    }
}
