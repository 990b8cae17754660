using System.Collections.Concurrent;
using System.Diagnostics;
using Verity.Cluster.Agents;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;

namespace Verity.Cluster.Tests.TestDoubles;

/// <summary>One call an agent made, as <see cref="ScriptedBrokerConnection"/> recorded it.</summary>
public sealed record BrokerCall(string Method, string AgentId, string? TaskId = null, double? Progress = null, string? Output = null,
    string? Error = null, bool? Retry = null, bool? WantNext = null, IReadOnlyList<TaskRef>? Redo = null)
{
    public TimeSpan At { get; init; }
}

/// <summary>
/// TEST DOUBLE of <see cref="IBrokerConnection"/> — not a broker: it hands out the tasks queued in <see cref="Tasks"/>
/// (from GetTask and from every report that wants a next task), answers heartbeats with <see cref="HeartbeatAnswer"/>,
/// throws the exceptions queued in <see cref="GetTaskFailures"/> and <see cref="ReportFailures"/>, and records every call, so agent tests can check
/// what the agent said and when.
/// </summary>
public sealed class ScriptedBrokerConnection(IBlobStore blobs) : IBrokerConnection
{
    private readonly List<BrokerCall> _calls = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public IBlobStore Blobs { get; } = blobs;

    /// <summary>Tasks to hand out, in order.</summary>
    public ConcurrentQueue<ClaimedTask> Tasks { get; } = new();

    /// <summary>Exceptions the next GetTask calls throw (one each) before answering normally.</summary>
    public ConcurrentQueue<Exception> GetTaskFailures { get; } = new();

    /// <summary>Exceptions the next report calls (success or error) throw (one each) before answering normally.</summary>
    public ConcurrentQueue<Exception> ReportFailures { get; } = new();

    /// <summary>The answer to a heartbeat for a lease (default: held).</summary>
    public Func<TaskLease, HeartbeatReply> HeartbeatAnswer { get; set; } = _ => new HeartbeatReply(LeaseStatus.Held, null);

    public IReadOnlyList<BrokerCall> Calls
    {
        get { lock (_calls) return [.. _calls]; }
    }

    public Task<ClaimedTask?> GetTaskAsync(string agentId, IReadOnlyList<TaskType> allowed, CancellationToken ct)
    {
        Record(new BrokerCall("getTask", agentId));
        if (GetTaskFailures.TryDequeue(out var failure)) throw failure;
        return Task.FromResult(Next());
    }

    public Task<HeartbeatReply> HeartbeatAsync(string agentId, TaskLease lease, double? progress, IReadOnlyList<TaskType> allowed, CancellationToken ct)
    {
        Record(new BrokerCall("heartbeat", agentId, lease.TaskId, Progress: progress));
        return Task.FromResult(HeartbeatAnswer(lease));
    }

    public Task<ClaimedTask?> ReportSuccessAsync(string agentId, TaskLease lease, string outputJson, IReadOnlyList<TaskType> allowed, CancellationToken ct)
    {
        Record(new BrokerCall("reportSuccess", agentId, lease.TaskId, Output: outputJson));
        if (ReportFailures.TryDequeue(out var failure)) throw failure;
        return Task.FromResult(Next());
    }

    public Task<ClaimedTask?> ReportErrorAsync(string agentId, TaskLease lease, string error, bool retry, IReadOnlyList<TaskType> allowed, CancellationToken ct, bool wantNext = true,
        IReadOnlyList<TaskRef>? redo = null)
    {
        Record(new BrokerCall("reportError", agentId, lease.TaskId, Error: error, Retry: retry, WantNext: wantNext, Redo: redo));
        if (ReportFailures.TryDequeue(out var failure)) throw failure;
        return Task.FromResult(wantNext ? Next() : null);
    }

    /// <summary>
    /// Waits until the recorded calls satisfy <paramref name="condition"/>. The 60 s limit is only a hang guard for a
    /// broken agent; what the tests check never depends on how soon the calls come.
    /// </summary>
    public async Task WaitForAsync(Func<IReadOnlyList<BrokerCall>, bool> condition)
    {
        var deadline = _clock.Elapsed + TimeSpan.FromSeconds(60);
        while (!condition(Calls))
        {
            if (_clock.Elapsed > deadline)
                throw new TimeoutException("the agent did not make the expected calls; it made: " + string.Join(", ", Calls.Select(c => $"{c.Method} {c.TaskId}")));
            await Task.Delay(5);
        }
    }

    private ClaimedTask? Next() => Tasks.TryDequeue(out var task) ? task : null;

    private void Record(BrokerCall call)
    {
        lock (_calls) _calls.Add(call with { At = _clock.Elapsed });
    }

    /// <summary>A claimed task of a fresh job, as a broker would hand it out.</summary>
    public static ClaimedTask NewTask(TaskType type, int index, long leaseId = 1)
    {
        string jobId = TaskIds.NewJobId();
        string taskId = TaskIds.TaskId(jobId, type, index);
        return new ClaimedTask
        {
            TaskId = taskId,
            JobId = jobId,
            Type = type,
            Index = index,
            Attempt = 1,
            Lease = new TaskLease(taskId, leaseId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
            Spec = new JobSpec { ImageId = new string('a', 64), InputId = new string('b', 64), SegmentPo2 = 12 },
            Segments = type == TaskType.Execute ? 0 : 3,
        };
    }
}
