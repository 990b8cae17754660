using Verity.Cluster.Blobs;
using Verity.Cluster.Store;

namespace Verity.Cluster.Broker;

/// <summary>
/// Deletes blobs by job lifecycle, not by age alone (Boundless #1244): an ended job's intermediates and receipt go
/// once the receipt was fetched (plus <see cref="BrokerOptions.ReceiptRetention"/>), at once for failed or cancelled
/// jobs, and after <see cref="BrokerOptions.JobRetention"/> otherwise; the job's image and input go with its last
/// user. Running jobs past their deadline or <see cref="BrokerOptions.MaxJobAge"/> are cancelled as expired first.
/// Nothing a running job needs is ever deleted: the store's in-use queries guard images and inputs, and a job's own
/// prefix is deleted only once the job has ended. The rows of ended jobs go after <see cref="BrokerOptions.RowRetention"/>.
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
            await DeleteIfUnusedAsync(SharedBlob.Input, job.Spec.InputId, now, ct).ConfigureAwait(false);
            await DeleteIfUnusedAsync(SharedBlob.Image, job.Spec.ImageId, now, ct).ConfigureAwait(false);
            reaped++;
        }
        return (expired, reaped);
    }

    /// <summary>
    /// Deletes an image or input no job uses, under the store's deletion claim: while it stands no job can be created
    /// with the blob, and a job created before it makes the claim fail. Returns whether the blob was deleted.
    /// </summary>
    public async Task<bool> DeleteIfUnusedAsync(SharedBlob kind, string id, DateTimeOffset now, CancellationToken ct = default)
    {
        if (!await store.TryClaimBlobDeletionAsync(kind, id, now, ct).ConfigureAwait(false)) return false;
        try
        {
            await blobs.DeleteAsync(kind.Key(id), ct).ConfigureAwait(false);
        }
        finally
        {
            await store.ReleaseBlobDeletionAsync(kind, id, CancellationToken.None).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Deletes the rows of ended jobs whose blobs are gone and that finished more than
    /// <see cref="BrokerOptions.RowRetention"/> ago, <paramref name="batch"/> jobs per transaction (short write locks),
    /// at most <paramref name="maxBatches"/> batches per pass; returns how many jobs.
    /// </summary>
    public async Task<int> DeleteOldRowsAsync(int batch = 20, int maxBatches = 50, CancellationToken ct = default)
    {
        var before = _time.GetUtcNow() - options.RowRetention;
        int total = 0;
        for (int i = 0; i < maxBatches; i++)
        {
            int n = await store.DeleteEndedJobsAsync(before, batch, ct).ConfigureAwait(false);
            total += n;
            if (n < batch) break;
        }
        return total;
    }
}
