using System.Net.Http;
using System.Security.Cryptography;
using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;
using Verity.Cluster.Client;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Broker.Preflight;

/// <summary>
/// Preflight (docs/BROKER.md §4 step 2): fetches a request's image and input (<see cref="ResourceCache"/>), checks the
/// image id, uploads both to the cluster and runs an execute-only job with <c>maxCycles = max_mcycle_limit × 10⁶</c>
/// (priority requestors: the cluster's own limit), polling every <c>status_poll_ms</c> until it ends.
/// <para>
/// Results are kept per (image id, input digest) in a bounded LRU: a second request for the same program and input
/// gets the first one's answer without a job, and concurrent preflights of one pair share one job. Only answers that
/// depend on nothing but the pair are kept (success, S-011 with the limit it ran under, S-012); fetch and image
/// problems (they depend on the URL) and cluster failures are not.
/// </para>
/// <para>
/// <c>max_concurrent_preflights</c> is enforced here, not in the evaluator: a slot is held from the image fetch to the
/// job's end, and only by work that runs (a cache hit or a shared job takes none); the limit is read from the
/// configuration each evaluation passes, so a hot reload changes it for the next preflight. Waiters are served first
/// come first served; ordering by <c>order_pricing_priority</c> is the evaluator service's, which picks the orders.
/// </para>
/// </summary>
public sealed class PreflightRunner : IDisposable
{
    /// <summary>Cycle limits at or above 2^38 are refused by the cluster.</summary>
    private const long ClusterMaxCycles = (1L << 38) - 1;

    private readonly IProvingCluster _cluster;
    private readonly ResourceCache _resources;
    private readonly int _capacity;
    private readonly PreflightGate _gate = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly object _lock = new();
    private readonly Dictionary<(string Image, string Input), LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _lru = new(); // most recently used first
    private long _jobsCreated;

    /// <param name="cluster">where execute-only jobs run</param>
    /// <param name="resources">the on-disk image and input cache</param>
    /// <param name="resultCacheCapacity">most (image id, input digest) results kept in memory</param>
    public PreflightRunner(IProvingCluster cluster, ResourceCache resources, int resultCacheCapacity = 1024)
    {
        _cluster = cluster ?? throw new ArgumentNullException(nameof(cluster));
        _resources = resources ?? throw new ArgumentNullException(nameof(resources));
        if (resultCacheCapacity < 1) throw new ArgumentOutOfRangeException(nameof(resultCacheCapacity), resultCacheCapacity, "the result cache must hold at least one entry");
        _capacity = resultCacheCapacity;
    }

    /// <summary>Execute-only jobs this runner created (for metrics and tests).</summary>
    public long JobsCreated => Interlocked.Read(ref _jobsCreated);

    /// <summary>Preflights running now (holding a max_concurrent_preflights slot).</summary>
    public int Running => _gate.Running;

    /// <summary>The cycle limit of a preflight: max_mcycle_limit × 10⁶, or null (the cluster's) for a priority requestor.</summary>
    public static long? CycleLimit(MarketConfig config, bool priority)
    {
        if (priority) return null;
        var cycles = (System.Numerics.BigInteger)Math.Max(1, config.MaxMcycleLimit) * 1_000_000;
        return cycles > ClusterMaxCycles ? ClusterMaxCycles : (long)cycles;
    }

    /// <summary>
    /// Preflights <paramref name="request"/>. Never throws for a bad request or a failing cluster: the answer names the
    /// skip code. Throws only when <paramref name="ct"/> is cancelled (the preflight itself goes on for others).
    /// </summary>
    public async Task<PreflightResult> RunAsync(ProofRequest request, bool priority, BrokerConfig config, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(config);
        if (request.Requirements.ImageId is not { Length: 32 })
            return PreflightResult.Skip("", null, null, ReasonCodes.MalformedRequest, $"the image id is {request.Requirements.ImageId?.Length ?? 0} bytes, not 32");
        string imageId = Convert.ToHexStringLower(request.Requirements.ImageId);
        byte[] input;
        try { input = await _resources.InputAsync(request, config.Market, ct).ConfigureAwait(false); }
        catch (ResourceProblem e) { return PreflightResult.Skip(imageId, null, null, e.Reason, e.Message); }
        string digest = Convert.ToHexStringLower(SHA256.HashData(input));
        long? limit = CycleLimit(config.Market, priority);
        var key = (imageId, digest);

        while (true)
        {
            Entry entry;
            bool shared;
            lock (_lock)
            {
                if (_entries.TryGetValue(key, out var node) && !LimitTooLow(node.Value, limit))
                {
                    _lru.Remove(node);
                    _lru.AddFirst(node);
                    entry = node.Value;
                    shared = true;
                }
                else
                {
                    if (node != null) Forget(key, node);
                    entry = new Entry(key, limit);
                    var added = _lru.AddFirst(entry);
                    _entries[key] = added;
                    entry.Task = ComputeAsync(entry, request, input, config);
                    Evict();
                    shared = false;
                }
            }
            var result = await entry.Task.WaitAsync(ct).ConfigureAwait(false);
            // A shared job may have run under a lower limit than this caller's (a priority requestor's): run again.
            if (shared && result.Reason == ReasonCodes.PreflightLimitExceeded && LimitTooLow(entry, limit)) continue;
            return shared ? result with { Cached = true } : result;
        }
    }

    /// <summary>True when <paramref name="entry"/> stopped at a cycle limit lower than <paramref name="limit"/> would allow.</summary>
    private static bool LimitTooLow(Entry entry, long? limit)
    {
        if (!entry.Task.IsCompletedSuccessfully || entry.Task.Result.Reason != ReasonCodes.PreflightLimitExceeded) return false;
        return entry.Limit is { } used && (limit is null || limit > used);
    }

    private async Task<PreflightResult> ComputeAsync(Entry entry, ProofRequest request, byte[] input, BrokerConfig config)
    {
        await Task.Yield(); // run outside the caller's lock
        var ct = _lifetime.Token;
        PreflightResult result;
        try
        {
            using (await _gate.EnterAsync(config.Market.MaxConcurrentPreflights, ct).ConfigureAwait(false))
                result = await ExecuteAsync(request, input, entry.Key.Image, entry.Key.Input, entry.Limit, config, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            result = PreflightResult.Skip(entry.Key.Image, entry.Key.Input, null, ReasonCodes.PreflightFailed, $"preflight failed: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            lock (_lock) { if (_entries.TryGetValue(entry.Key, out var n) && n.Value == entry) Forget(entry.Key, n); }
            throw;
        }
        if (!(result.Succeeded || result.Reason is ReasonCodes.PreflightLimitExceeded or ReasonCodes.GuestFailed))
            lock (_lock) { if (_entries.TryGetValue(entry.Key, out var n) && n.Value == entry) Forget(entry.Key, n); }
        return result;
    }

    private async Task<PreflightResult> ExecuteAsync(ProofRequest request, byte[] input, string imageId, string digest, long? limit,
        BrokerConfig config, CancellationToken ct)
    {
        byte[] elf;
        try { elf = await _resources.ImageAsync(request, config.Market, ct).ConfigureAwait(false); }
        catch (ResourceProblem e) { return PreflightResult.Skip(imageId, digest, null, e.Reason, e.Message); }

        string? jobId = null;
        JobStatusView status;
        try
        {
            string nodeImage = await _cluster.UploadImageAsync(elf, ct).ConfigureAwait(false);
            string inputId = await _cluster.UploadInputAsync(input, ct).ConfigureAwait(false);
            jobId = await _cluster.CreateJobAsync(new CreateJobRequest
            {
                ImageId = nodeImage,
                InputId = inputId,
                ExecuteOnly = true,
                MaxCycles = limit,
                SegmentPo2 = config.Prover.SegmentPo2,
                Parameters = config.Prover.Parameters,
            }, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _jobsCreated);
            var interval = TimeSpan.FromMilliseconds(Math.Max(10, config.Prover.StatusPollMilliseconds));
            while (true)
            {
                status = await _cluster.GetStatusAsync(jobId, ct).ConfigureAwait(false);
                if (status.State.IsTerminal()) break;
                await Task.Delay(interval, ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or TimeoutException or NodeClientException)
        {
            return PreflightResult.Skip(imageId, digest, jobId, ReasonCodes.PreflightFailed,
                $"the cluster failed {(jobId is null ? "before the preflight job was created" : $"while preflight job {jobId} ran")}: {e.Message}");
        }
        return Outcome(status, imageId, digest, limit);
    }

    /// <summary>
    /// Maps the job's end to an answer. The cluster reports a cycle limit hit and a guest fault as a failed job whose
    /// error is the executor's ("guest execution failed: cycle limit of N exceeded at pc …"), and a guest that exits
    /// non-zero as a succeeded job with that exit code.
    /// </summary>
    internal static PreflightResult Outcome(JobStatusView status, string imageId, string digest, long? limit)
    {
        string job = status.JobId;
        switch (status.State)
        {
            case JobState.Succeeded when status.ExitCode is not 0:
                return PreflightResult.Skip(imageId, digest, job, ReasonCodes.GuestFailed,
                    $"the guest exited with code {status.ExitCode?.ToString() ?? "(none reported)"} after {status.Cycles?.ToString() ?? "?"} cycles (job {job})");
            case JobState.Succeeded when status.Cycles is not { } cycles || status.JournalHex is not { } hex:
                return PreflightResult.Skip(imageId, digest, job, ReasonCodes.PreflightFailed, $"preflight job {job} succeeded without cycles or a journal");
            case JobState.Succeeded:
                byte[] journal;
                try { journal = Convert.FromHexString(status.JournalHex!); }
                catch (FormatException) { return PreflightResult.Skip(imageId, digest, job, ReasonCodes.PreflightFailed, $"preflight job {job}'s journal is not hex"); }
                return new PreflightResult(imageId, digest, job, status.Cycles, journal, null, null);
            case JobState.Failed when status.Error is { } error && error.Contains("cycle limit", StringComparison.Ordinal):
                string cap = limit is { } l ? $"{l} cycles ({Megacycles(l)} M, max_mcycle_limit)" : "the cluster's cycle limit";
                return PreflightResult.Skip(imageId, digest, job, ReasonCodes.PreflightLimitExceeded, $"preflight reached its limit of {cap}: {error} (job {job})");
            case JobState.Failed when status.Error is { } error && error.Contains("guest execution failed", StringComparison.Ordinal):
                return PreflightResult.Skip(imageId, digest, job, ReasonCodes.GuestFailed, $"{error} (job {job})");
            default:
                return PreflightResult.Skip(imageId, digest, job, ReasonCodes.PreflightFailed,
                    $"preflight job {job} {status.State.Name()}{(status.Error is { } err ? $": {err}" : "")}");
        }
    }

    internal static string Megacycles(long cycles) => (cycles / 1e6).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private void Forget((string, string) key, LinkedListNode<Entry> node)
    {
        _entries.Remove(key);
        _lru.Remove(node);
    }

    /// <summary>Drops the least recently used finished results over capacity (running ones stay: others may wait on them).</summary>
    private void Evict()
    {
        var node = _lru.Last;
        while (_entries.Count > _capacity && node != null)
        {
            var previous = node.Previous;
            if (node.Value.Task.IsCompleted) Forget(node.Value.Key, node);
            node = previous;
        }
    }

    public void Dispose()
    {
        _lifetime.Cancel();
        _lifetime.Dispose();
    }

    private sealed class Entry((string Image, string Input) key, long? limit)
    {
        public (string Image, string Input) Key { get; } = key;
        public long? Limit { get; } = limit;
        public Task<PreflightResult> Task { get; set; } = null!;
    }
}
