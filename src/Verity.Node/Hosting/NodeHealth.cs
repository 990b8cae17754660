using Verity.Cluster.Agents;
using Verity.Cluster.Blobs;
using Verity.Cluster.Store;

namespace Verity.Node.Hosting;

/// <summary>
/// Whether the node can make progress, for /health and /metrics. Reading the store is not enough (SQLite serves reads
/// while another process holds the write lock), so the node also remembers what its writers went through: the
/// maintenance loop's store transaction every lease-check interval and the embedded agents' calls report success or
/// failure here, and every failure anywhere is checked for a full disk. Problems: the store does not answer or its
/// last write failed; the disk is full (until a probe write to the data directory and the blob store succeeds);
/// embedded agents are configured but none is running.
/// </summary>
public sealed class NodeHealth : IAgentMonitor
{
    /// <summary>The blob the disk probe writes and deletes (outside jobs/, images/ and inputs/).</summary>
    public const string ProbeKey = "node/health-probe";

    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);
    private const int ProbeBytes = 4096;

    private readonly ITaskStore _store;
    private readonly IBlobStore _blobs;
    private readonly string _dataDir;
    private readonly int _configuredAgents;
    private readonly SemaphoreSlim _probeGate = new(1, 1);
    private volatile string? _storeFailure;
    private long _diskFullMark; // 0: not full; else bumped by every disk-full failure, so a probe clears only what it saw
    private long _lastProbeMs = long.MinValue;
    private Func<int>? _liveAgents;

    internal NodeHealth(ITaskStore store, IBlobStore blobs, string dataDir, int configuredAgents)
    {
        _store = store;
        _blobs = blobs;
        _dataDir = dataDir;
        _configuredAgents = configuredAgents;
    }

    /// <summary>Set by the embedded agents' supervisor: how many workers run now.</summary>
    internal Func<int>? LiveAgents
    {
        get => Volatile.Read(ref _liveAgents);
        set => Volatile.Write(ref _liveAgents, value);
    }

    /// <summary>A store write went through.</summary>
    public void StoreSucceeded() => _storeFailure = null;

    /// <summary>A store operation failed (a failure that is not the store's only feeds the disk-full check).</summary>
    public void StoreFailed(Exception e)
    {
        Observe(e);
        if (e is TaskStoreException) _storeFailure = Describe(e);
    }

    /// <summary>Notes a failure from anywhere (a request, a task run): it matters here when the disk is full.</summary>
    public void Observe(Exception e)
    {
        if (StorageFaults.IsDiskFull(e)) Interlocked.Increment(ref _diskFullMark);
    }

    /// <summary>True while a disk-full failure has not been followed by a successful probe.</summary>
    public bool DiskFull => Interlocked.Read(ref _diskFullMark) != 0;

    void IAgentMonitor.CallSucceeded(string agentId) => StoreSucceeded();

    void IAgentMonitor.CallFailed(string agentId, Exception error) => StoreFailed(error);

    void IAgentMonitor.RunFailed(string agentId, Exception error) => Observe(error);

    /// <summary>Checks everything; never throws (a store that fails is a problem in the report).</summary>
    public async Task<HealthReport> CheckAsync(CancellationToken ct)
    {
        var problems = new List<HealthProblem>();
        int? version = null;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(StoreTimeout);
            try
            {
                version = await _store.SchemaVersionAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                Observe(e);
                problems.Add(new HealthProblem(HealthProblem.Store, timeout.IsCancellationRequested
                    ? $"the task store did not answer within {StoreTimeout.TotalSeconds:0} s"
                    : $"the task store failed: {Describe(e)}"));
            }
        }
        if (problems.Count == 0 && _storeFailure is { } failure)
            problems.Add(new HealthProblem(HealthProblem.Store, $"the task store's last write failed: {failure}"));

        if (DiskFull && !await ProbeDiskAsync(ct).ConfigureAwait(false))
            problems.Add(new HealthProblem(HealthProblem.DiskFull, StorageFaults.DiskFullMessage));

        if (_configuredAgents > 0 && LiveAgents is { } live && live() == 0)
            problems.Add(new HealthProblem(HealthProblem.Agents, $"none of the {_configuredAgents} embedded agent worker(s) is running"));
        return new HealthReport(version, problems);
    }

    /// <summary>
    /// Writes and deletes a small file in the data directory and a small blob: when both succeed, space is back and the
    /// disk-full mark is cleared (unless another disk-full failure came meanwhile). At most once per second.
    /// </summary>
    private async Task<bool> ProbeDiskAsync(CancellationToken ct)
    {
        long mark = Interlocked.Read(ref _diskFullMark);
        if (mark == 0) return true;
        if (!await _probeGate.WaitAsync(0, ct).ConfigureAwait(false)) return false; // a probe is running
        try
        {
            long now = Environment.TickCount64;
            long last = Interlocked.Read(ref _lastProbeMs);
            if (last != long.MinValue && now - last < (long)ProbeInterval.TotalMilliseconds) return false;
            Interlocked.Exchange(ref _lastProbeMs, now);
            byte[] data = new byte[ProbeBytes];
            string file = Path.Combine(_dataDir, ".health-probe");
            try
            {
                await using (var fs = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, ProbeBytes, FileOptions.Asynchronous))
                {
                    await fs.WriteAsync(data, ct).ConfigureAwait(false);
                    fs.Flush(flushToDisk: true);
                }
                File.Delete(file);
                await _blobs.PutAsync(ProbeKey, data, ct).ConfigureAwait(false);
                await _blobs.DeleteAsync(ProbeKey, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                Observe(e);
                try { File.Delete(file); } catch (IOException) { /* still full or gone; the next probe retries */ }
                return false;
            }
            return Interlocked.CompareExchange(ref _diskFullMark, 0, mark) == mark;
        }
        finally
        {
            _probeGate.Release();
        }
    }

    /// <summary>What failed, for an unauthenticated endpoint: the operation and the database's reason, never a path.</summary>
    private static string Describe(Exception e)
    {
        if (StorageFaults.IsDiskFull(e)) return StorageFaults.DiskFullMessage;
        if (e is TaskStoreException ts)
            return $"{ts.Operation} failed: {(ts.InnerException is IOException ? "an I/O error" : ts.InnerException?.Message ?? ts.Message)}";
        return e is IOException ? "an I/O error" : e.Message;
    }
}

/// <summary>The outcome of <see cref="NodeHealth.CheckAsync"/>: healthy when there is no problem.</summary>
public sealed record HealthReport(int? SchemaVersion, IReadOnlyList<HealthProblem> Problems)
{
    public bool Healthy => Problems.Count == 0;
}

/// <summary>One reason the node cannot make progress: its kind (a metric label) and a sentence for operators.</summary>
public sealed record HealthProblem(string Kind, string Reason)
{
    public const string Store = "store";
    public const string DiskFull = "disk_full";
    public const string Agents = "agents";

    public static readonly IReadOnlyList<string> Kinds = [Store, DiskFull, Agents];
}
