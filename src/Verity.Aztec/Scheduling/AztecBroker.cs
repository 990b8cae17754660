using System.Collections.Concurrent;
using Verity.Aztec.Metrics;
using Verity.Aztec.Protocol;
using Verity.Aztec.Store;

namespace Verity.Aztec.Scheduling;

/// <summary>
/// Aztec's proving-broker semantics (<c>ProvingBroker</c> of @aztec/prover-client 4.1.2, docs/AZTEC.md §2) over the
/// durable job store: each method is one transaction, so node replicas sharing a PostgreSQL database agree, and a
/// restart loses nothing. Where Verity differs from Aztec's broker on purpose it says so: a timeout counts as an
/// attempt (Aztec 4.1.2 requeues a job that always times out forever), and a report about an unknown or settled job
/// is answered with the caller's next job (Aztec answers some with nothing, leaving the agent idle for a poll).
/// </summary>
public sealed class AztecBroker
{
    /// <summary>The reason a cancelled job is rejected with (as Aztec's broker).</summary>
    public const string AbortedReason = "Aborted";

    private readonly AztecJobStore _store;
    private readonly AztecOptions _options;
    private readonly AztecMetrics _metrics;
    private readonly TimeProvider _time;

    // In-progress jobs as this replica last saw them: heartbeat count and when (this replica's clock). A job times out
    // when its count has not moved for the job timeout as this replica measured it — never by comparing another
    // replica's clock with this one's, and never for time this replica was not running (a restart starts afresh).
    private readonly ConcurrentDictionary<string, (long Beats, long SeenAt)> _seen = new(StringComparer.Ordinal);

    public AztecBroker(AztecJobStore store, AztecOptions options, AztecMetrics metrics, TimeProvider? time = null)
    {
        _store = store;
        _options = options;
        _metrics = metrics;
        _time = time ?? TimeProvider.System;
    }

    public AztecJobStore Store => _store;

    public AztecMetrics Metrics => _metrics;

    public AztecOptions Options => _options;

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // ---- producer ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Adds a job and returns its status before the call: not-found for a new job; for a known id the job's current
    /// status (so a producer that restarted picks up a finished result).
    /// </summary>
    /// <exception cref="AztecCallException">The id is known with other contents, or the epoch is too old.</exception>
    public async Task<ProvingJobStatus> EnqueueAsync(ProvingJob job, CancellationToken ct = default)
    {
        var (status, added) = await _store.WriteAsync("enqueueProvingJob", tx =>
        {
            var known = tx.Find(job.Id, lockRow: true);
            if (known is null)
            {
                long height = tx.EpochHeight();
                if (job.EpochNumber < height - _options.EpochsToKeep)
                    throw new AztecCallException($"Epoch too old: job epoch {job.EpochNumber}, current epoch: {height}");
                // Measured from the newest epoch as of the last cleanup pass, not the newest now: a batch of enqueues,
                // each within the limit of the one before, must not carry the height away between two passes.
                long? reference = tx.EpochReference();
                if (reference is { } r && _options.MaxEpochsAhead > 0 && job.EpochNumber - r > _options.MaxEpochsAhead)
                    throw new AztecCallException($"Epoch too far ahead: job epoch {job.EpochNumber}, current epoch: {r} " +
                        $"(at most {_options.MaxEpochsAhead} ahead, Node:Aztec:MaxEpochsAhead; it would make every current job stale)");
                if (tx.Insert(job, Now))
                {
                    if (reference is null) tx.SetEpochReference(job.EpochNumber); // the first job sets where epochs are
                    tx.RaiseEpochHeight(job.EpochNumber);
                    return (ProvingJobStatus.NotFound, true);
                }
                known = tx.Find(job.Id, lockRow: true)!; // another replica added it a moment ago
            }
            if (known.ToJob() != job) throw new AztecCallException("Duplicate proving job ID");
            return (StatusOf(known), false);
        }, ct).ConfigureAwait(false);
        if (added) _metrics.Enqueued(job.Type);
        else _metrics.Cached(job.Type);
        return status;
    }

    public Task<ProvingJobStatus> GetStatusAsync(string id, CancellationToken ct = default) =>
        _store.ReadAsync("getProvingJobStatus", tx => tx.Find(id, lockRow: false) is { } row ? StatusOf(row) : ProvingJobStatus.NotFound, ct);

    /// <summary>An unsettled job becomes rejected with reason <see cref="AbortedReason"/>; anything else is left alone.</summary>
    public async Task CancelAsync(string id, CancellationToken ct = default)
    {
        var cancelled = await _store.WriteAsync("cancelProvingJob", tx =>
        {
            var row = tx.Find(id, lockRow: true);
            if (row is null || row.JobState.IsSettled()) return null;
            tx.Settle(id, AztecJobState.Rejected, null, AbortedReason, Now, aborted: true, countAttempt: false);
            return row;
        }, ct).ConfigureAwait(false);
        if (cancelled != null) _metrics.Settled((ProvingRequestType)cancelled.Type, "aborted", RunSeconds(cancelled));
    }

    /// <summary>
    /// The ids settled since the last call (each returned once, whoever asks), then those of <paramref name="ids"/>
    /// that are settled.
    /// </summary>
    public async Task<List<string>> GetCompletedAsync(IReadOnlyList<string> ids, CancellationToken ct = default)
    {
        var result = await _store.WriteAsync("getCompletedJobs", tx => tx.TakeNotifications(), ct).ConfigureAwait(false);
        // A long list of ids is looked up outside the write transaction, so it holds up no other call.
        if (ids.Count > 0) result.AddRange(await _store.ReadAsync("getCompletedJobs", tx => tx.SettledAmong(ids), ct).ConfigureAwait(false));
        return result;
    }

    // ---- consumer ----------------------------------------------------------------------------------------------

    /// <summary>The next job for <paramref name="filter"/>, now in progress for the caller; null when none waits.</summary>
    public async Task<JobOffer?> TakeAsync(ProvingJobFilter filter, CancellationToken ct = default)
    {
        var offer = await _store.WriteAsync("getProvingJob", tx => Take(tx, filter, exclude: null), ct).ConfigureAwait(false);
        return Offered(offer);
    }

    /// <summary>
    /// The heartbeat. Null: keep going. A job: drop yours and take this one — yours is unknown, settled, or held by
    /// an agent that started it earlier. A queued job (taken back after a timeout, or a broker restart) is taken
    /// again by the agent reporting it. Never hands back the job being reported.
    /// </summary>
    public async Task<JobOffer?> ReportProgressAsync(string id, long startedAt, ProvingJobFilter filter, CancellationToken ct = default)
    {
        var offer = await _store.WriteAsync("reportProvingJobProgress", tx =>
        {
            var row = tx.Find(id, lockRow: true);
            if (row is null || row.JobState.IsSettled()) return Take(tx, filter, exclude: id);
            if (row.JobState == AztecJobState.Queued || startedAt <= row.StartedAt)
            {
                long now = Now;
                _seen[id] = (tx.MarkInProgress(id, startedAt, now), now);
                return null;
            }
            return Take(tx, filter, exclude: id); // an agent that started earlier holds it
        }, ct).ConfigureAwait(false);
        return Offered(offer);
    }

    /// <summary>The first result settles the job; a later one (or one for an unknown job) changes nothing. Returns the next job.</summary>
    public async Task<JobOffer?> ReportSuccessAsync(string id, string resultUri, ProvingJobFilter filter, CancellationToken ct = default)
    {
        AztecJobRow? settled = null;
        var offer = await _store.WriteAsync("reportProvingJobSuccess", tx =>
        {
            settled = null;
            var row = tx.Find(id, lockRow: true);
            if (row is not null && !row.JobState.IsSettled())
            {
                tx.Settle(id, AztecJobState.Fulfilled, resultUri, null, Now, aborted: false, countAttempt: false);
                settled = row;
            }
            return Take(tx, filter, exclude: id);
        }, ct).ConfigureAwait(false);
        if (settled != null) _metrics.Settled((ProvingRequestType)settled.Type, "fulfilled", RunSeconds(settled));
        return Offered(offer);
    }

    /// <summary>
    /// A failed attempt. With <paramref name="retry"/>, attempts left and the epoch still kept, the job goes back in
    /// the queue (after the caller's next job is chosen, so it does not get the same one straight back); otherwise it
    /// is rejected with <paramref name="message"/>. Returns the next job.
    /// </summary>
    public async Task<JobOffer?> ReportErrorAsync(string id, string message, bool retry, ProvingJobFilter filter, CancellationToken ct = default)
    {
        AztecJobRow? failed = null;
        bool requeued = false;
        var offer = await _store.WriteAsync("reportProvingJobError", tx =>
        {
            failed = null;
            requeued = false;
            var row = tx.Find(id, lockRow: true);
            if (row is null || row.JobState.IsSettled()) return Take(tx, filter, exclude: id);
            bool stale = row.Epoch < OldestEpoch(tx);
            if (row.JobState == AztecJobState.Queued)
            {
                // The attempt this reports was taken back by a timeout, which counted it: a retryable error only notes
                // the message; a final one still rejects the job (its inputs are bad), without counting again.
                if (retry && !stale) tx.NoteError(id, message);
                else
                {
                    tx.Settle(id, AztecJobState.Rejected, null, message, Now, aborted: false, countAttempt: false);
                    failed = row;
                }
                return Take(tx, filter, exclude: id);
            }
            failed = row;
            if (retry && row.Attempts + 1 < _options.MaxAttempts && !stale)
            {
                var next = Take(tx, filter, exclude: id);
                tx.Requeue(id, Now, message);
                requeued = true;
                return next;
            }
            tx.Settle(id, AztecJobState.Rejected, null, message, Now, aborted: false, countAttempt: true);
            return Take(tx, filter, exclude: id);
        }, ct).ConfigureAwait(false);
        if (failed != null)
        {
            var type = (ProvingRequestType)failed.Type;
            if (requeued) _metrics.Retried(type);
            else _metrics.Settled(type, "rejected", RunSeconds(failed));
        }
        return Offered(offer);
    }

    // ---- maintenance -------------------------------------------------------------------------------------------

    /// <summary>
    /// One cleanup pass (every <see cref="AztecOptions.PollIntervalMs"/>): an in-progress job whose heartbeat count has
    /// not moved for the job timeout, as this replica measured it, goes back in the queue as a spent attempt, or is
    /// rejected when that was the last; then every job of an epoch older than the ones kept is deleted. A job this
    /// replica has not seen before (taken through another replica, or before this one started) is only noted: its
    /// timeout runs from now. Returns (timed out, deleted).
    /// </summary>
    public async Task<(int TimedOut, int Deleted)> CleanupAsync(CancellationToken ct = default)
    {
        var running = await _store.ReadAsync("cleanup (in-progress jobs)", tx => tx.InProgress(), ct).ConfigureAwait(false);
        long now = Now;
        var silent = new List<AztecJobRow>();
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in running)
        {
            current.Add(row.Id);
            if (_seen.TryGetValue(row.Id, out var seen) && seen.Beats == row.Beats)
            {
                if (now - seen.SeenAt >= _options.JobTimeoutMs) silent.Add(row);
            }
            else _seen[row.Id] = (row.Beats, now);
        }
        foreach (var id in _seen.Keys)
            if (!current.Contains(id)) _seen.TryRemove(id, out _);

        var expired = silent.Count == 0 ? [] : await _store.WriteAsync("cleanup (timeouts)", tx =>
        {
            var outcomes = new List<(AztecJobRow Row, bool Rejected)>(silent.Count);
            string error = $"Timed out: no heartbeat for {_options.JobTimeoutMs} ms";
            foreach (var row in silent)
            {
                bool last = row.Attempts + 1 >= _options.MaxAttempts;
                string? reason = last ? $"Timed out after {row.Attempts + 1} attempts" : null;
                if (tx.TimeOut(row.Id, row.Beats, now, reason, error)) outcomes.Add((row, last));
            }
            return outcomes;
        }, ct).ConfigureAwait(false);
        foreach (var (row, rejected) in expired)
        {
            _seen.TryRemove(row.Id, out _);
            var type = (ProvingRequestType)row.Type;
            _metrics.TimedOut(type);
            if (rejected) _metrics.Settled(type, "timed_out", RunSeconds(row));
        }

        int deleted = await _store.WriteAsync("cleanup (old epochs)", tx =>
        {
            long height = tx.EpochHeight();
            if (height > 0) tx.SetEpochReference(height);
            long oldest = OldestEpoch(tx);
            return oldest > 0 ? tx.DeleteBefore(oldest) : 0;
        }, ct).ConfigureAwait(false);
        return (expired.Count, deleted);
    }

    /// <summary>Runs <see cref="CleanupAsync"/> every poll interval until cancelled; a failed pass is reported and retried.</summary>
    public async Task RunCleanupAsync(Action<string> log, CancellationToken ct)
    {
        var interval = TimeSpan.FromMilliseconds(_options.PollIntervalMs);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var (timedOut, deleted) = await CleanupAsync(ct).ConfigureAwait(false);
                if (timedOut > 0) log($"aztec: {timedOut} job(s) timed out (no heartbeat for {_options.JobTimeoutMs} ms)");
                if (deleted > 0) log($"aztec: deleted {deleted} job(s) of old epochs");
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // The next pass retries; a failure must not end the loop that takes back timed-out jobs.
                log($"aztec: cleanup failed: {e.Message}");
            }
            await Task.Delay(interval, _time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The newest epoch enqueued (0 before the first).</summary>
    public Task<long> EpochHeightAsync(CancellationToken ct = default) => _store.ReadAsync("read epoch height", tx => tx.EpochHeight(), ct);

    /// <summary>Jobs by type and state (metrics, status).</summary>
    public Task<AztecJobCounts> CountsAsync(CancellationToken ct = default) => _store.ReadAsync("count jobs", tx => tx.Counts(), ct);

    /// <summary>The newest jobs, optionally in one state.</summary>
    public Task<List<AztecJobSummary>> ListAsync(AztecJobState? state, int limit, CancellationToken ct = default) =>
        _store.ReadAsync("list jobs", tx => tx.List(state, limit), ct);

    // ---- helpers -----------------------------------------------------------------------------------------------

    private (AztecJobRow Row, long Now)? Take(AztecTransaction tx, ProvingJobFilter filter, string? exclude)
    {
        long now = Now;
        if (tx.Take(filter, exclude, OldestEpoch(tx), now) is not { } taken) return null;
        _seen[taken.Row.Id] = (taken.Beats, now);
        return (taken.Row, now);
    }

    private JobOffer? Offered((AztecJobRow Row, long Now)? taken)
    {
        if (taken is not { } t) return null;
        _metrics.Waited((ProvingRequestType)t.Row.Type, (t.Now - t.Row.EnqueuedAt) / 1000.0);
        return new JobOffer(t.Row.ToJob(), t.Now);
    }

    /// <summary>Epochs before this one are stale: refused, never retried, deleted (0 keeps everything).</summary>
    private long OldestEpoch(AztecTransaction tx) => Math.Max(0, tx.EpochHeight() - _options.EpochsToKeep);

    private double? RunSeconds(AztecJobRow row) =>
        row.JobState == AztecJobState.InProgress && row.StartedAt is { } started ? (Now - started) / 1000.0 : null;

    private static ProvingJobStatus StatusOf(AztecJobRow row) => row.JobState switch
    {
        AztecJobState.Queued => ProvingJobStatus.InQueue,
        AztecJobState.InProgress => ProvingJobStatus.InProgress,
        AztecJobState.Fulfilled => ProvingJobStatus.Fulfilled(row.Result ?? ""),
        _ => ProvingJobStatus.Rejected(row.Reason ?? ""),
    };
}

/// <summary>A protocol call that is refused (JSON-RPC error -32702 with this message), such as a stale epoch.</summary>
public sealed class AztecCallException(string message) : Exception(message);
