using Verity.Cluster.Jobs;

namespace Verity.Cluster.Runners;

/// <summary>
/// A small least-recently-used cache of per-job proving state (<see cref="JobContext"/>: the loaded image and input,
/// the job's proving options and its deserialized executed run). Building a run's plan costs seconds for large runs,
/// and the zkVM reuses a plan only for the very same image, input and options objects, so keeping them here lets the
/// later tasks of a job in this process skip deserialization and re-planning. Entries are large (a plan holds the
/// run's memory rows), hence the small bound. Thread-safe: the runners of one agent process may share one cache.
/// </summary>
public sealed class RunCache
{
    private readonly object _lock = new();
    private readonly LinkedList<JobContext> _order = new(); // most recently used first
    private readonly Dictionary<string, LinkedListNode<JobContext>> _byJob = new(StringComparer.Ordinal);

    /// <param name="capacity">How many jobs to keep (1..64).</param>
    public RunCache(int capacity = 2)
    {
        if (capacity is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a run cache holds 1..64 jobs");
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count
    {
        get { lock (_lock) return _byJob.Count; }
    }

    /// <summary>The job's state if cached for exactly this spec (a different spec under the same id is a miss).</summary>
    internal JobContext? Get(string jobId, JobSpec spec)
    {
        lock (_lock)
        {
            if (!_byJob.TryGetValue(jobId, out var node)) return null;
            if (node.Value.Spec != spec)
            {
                Unlink(node);
                return null;
            }
            _order.Remove(node);
            _order.AddFirst(node);
            return node.Value;
        }
    }

    /// <summary>Adds (or replaces) the job's state, evicting the least recently used job past the capacity.</summary>
    internal void Put(JobContext context)
    {
        lock (_lock)
        {
            if (_byJob.TryGetValue(context.JobId, out var old)) Unlink(old);
            _byJob[context.JobId] = _order.AddFirst(context);
            while (_byJob.Count > Capacity) Unlink(_order.Last!);
        }
    }

    /// <summary>Forgets a job (its receipt is done, or it ended).</summary>
    public void Remove(string jobId)
    {
        lock (_lock)
        {
            if (_byJob.TryGetValue(jobId, out var node)) Unlink(node);
        }
    }

    public bool Contains(string jobId)
    {
        lock (_lock) return _byJob.ContainsKey(jobId);
    }

    private void Unlink(LinkedListNode<JobContext> node)
    {
        _order.Remove(node);
        _byJob.Remove(node.Value.JobId);
    }
}
