using Verity.Cluster.Agents;

namespace Verity.Cluster.Broker;

/// <summary>
/// The broker's background loops: requeue expired leases every <see cref="BrokerOptions.LeaseCheckInterval"/> and run
/// the job lifecycle (expiry, blob cleanup, then deletion of old rows in bounded batches) every
/// <see cref="BrokerOptions.CleanupInterval"/>. Safe to run on every node replica: each pass is a store transaction.
/// <paramref name="passEnded"/> hears how each pass went (null: it succeeded), so the node's health check knows whether
/// the store takes writes.
/// </summary>
public sealed class BrokerMaintenance(ProvingBroker broker, JobLifecycle lifecycle, Action<string>? log = null, Action<Exception?>? passEnded = null)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var options = broker.Options;
        // An outage fails every pass (one per lease-check interval): log it once per reason and 30 s, and its end.
        var failures = new RateLimitedLog(log, TimeSpan.FromSeconds(30));
        var nextCleanup = DateTime.UtcNow;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                int expired = await broker.ExpireLeasesAsync(ct).ConfigureAwait(false);
                if (expired > 0) log?.Invoke($"requeued {expired} task(s) whose lease expired");
                if (DateTime.UtcNow >= nextCleanup)
                {
                    var (jobs, reaped) = await lifecycle.RunOnceAsync(ct).ConfigureAwait(false);
                    if (jobs > 0) log?.Invoke($"expired {jobs} job(s) past their deadline");
                    if (reaped > 0) log?.Invoke($"deleted the blobs of {reaped} ended job(s)");
                    int rows = await lifecycle.DeleteOldRowsAsync(ct: ct).ConfigureAwait(false);
                    if (rows > 0) log?.Invoke($"deleted the rows of {rows} job(s) ended more than {options.RowRetention} ago");
                    nextCleanup = DateTime.UtcNow + options.CleanupInterval;
                }
                failures.Recovered("maintenance passes succeed again");
                passEnded?.Invoke(null);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                // A store outage must not kill the loop; it retries on the next tick.
                failures.Failure(e.Message, $"maintenance pass failed: {e.Message}");
                passEnded?.Invoke(e);
            }
            try { await Task.Delay(options.LeaseCheckInterval, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
        }
    }
}
