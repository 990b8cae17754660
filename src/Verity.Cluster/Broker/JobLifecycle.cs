using Verity.Cluster.Blobs;
using Verity.Cluster.Store;

namespace Verity.Cluster.Broker;

/// <summary>
/// Deletes blobs by job lifecycle, not by age alone (Boundless #1244): an ended job's intermediates and receipt go
/// once the receipt was fetched (plus <see cref="BrokerOptions.ReceiptRetention"/>), at once for failed or cancelled
/// jobs, and after <see cref="BrokerOptions.JobRetention"/> otherwise; the job's image and input go with its last
/// user. Running jobs past their deadline or <see cref="BrokerOptions.MaxJobAge"/> are cancelled as expired first.
/// Nothing a running job needs is ever deleted: the store's in-use queries guard images and inputs, and a job's own
/// prefix is deleted only once the job has ended.
/// </summary>
public sealed class JobLifecycle(ITaskStore store, IBlobStore blobs, BrokerOptions options, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>One cleanup pass; returns (jobs expired, jobs whose blobs were deleted).</summary>
    public async Task<(int Expired, int Reaped)> RunOnceAsync(CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        int expired = 0;
        foreach (var job in await store.ExpiredRunningJobsAsync(now, now - options.MaxJobAge, 100, ct).ConfigureAwait(false))
        {
            string reason = job.Spec.Deadline is { } d && d <= now
                ? $"expired: the deadline {d:O} passed before the proof was done"
                : $"expired: still running {options.MaxJobAge} after it was created";
            if (await store.CancelJobAsync(job.JobId, now, reason, ct).ConfigureAwait(false)) expired++;
        }

        int reaped = 0;
        var due = await store.JobsToReapAsync(now - options.ReceiptRetention, now - options.JobRetention, 100, ct).ConfigureAwait(false);
        foreach (var job in due)
        {
            await blobs.DeletePrefixAsync(BlobKeys.JobPrefix(job.JobId), ct).ConfigureAwait(false);
            await store.MarkBlobsDeletedAsync(job.JobId, now, ct).ConfigureAwait(false);
            // The job no longer uses its image and input; delete them unless another job still does.
            if (!await store.IsInputInUseAsync(job.Spec.InputId, ct).ConfigureAwait(false))
                await blobs.DeleteAsync(BlobKeys.Input(job.Spec.InputId), ct).ConfigureAwait(false);
            if (!await store.IsImageInUseAsync(job.Spec.ImageId, ct).ConfigureAwait(false))
                await blobs.DeleteAsync(BlobKeys.Image(job.Spec.ImageId), ct).ConfigureAwait(false);
            reaped++;
        }
        return (expired, reaped);
    }
}
