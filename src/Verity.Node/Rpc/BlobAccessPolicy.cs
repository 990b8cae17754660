using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Store;

namespace Verity.Node.Rpc;

/// <summary>
/// What an agent may do with blobs for the task it holds: read its job's image and input (prove and finalize also the
/// run, finalize also the proofs) and its own output; write exactly its output (execute: the run; prove i: proof i;
/// finalize: the receipt). Nothing else, and never a delete. The lease itself is checked by <see cref="CheckLease"/>.
/// </summary>
internal static class BlobAccessPolicy
{
    /// <summary>Why the request's lease does not let <paramref name="identity"/> act for the task now, or null when it does.</summary>
    public static string? CheckLease(TaskLeaseInfo? task, string taskId, long leaseId, AgentIdentity identity, DateTimeOffset now)
    {
        if (task == null) return $"there is no task '{taskId}'";
        if (task.JobState != JobState.Running) return $"job {task.JobId} is {task.JobState.Name()}, not running";
        if (task.State != TaskState.Running) return $"task {taskId} is {task.State.Name()}, not running";
        if (task.LeaseId != leaseId) return $"lease {leaseId} is not the current lease of task {taskId}";
        if (task.LeaseExpiresAt is not { } expires || expires <= now) return $"lease {leaseId} of task {taskId} has expired";
        if (!identity.MayActAs(task.AgentId)) return $"task {taskId} is held by another agent than '{identity.Name}'";
        return null;
    }

    /// <summary>Why <paramref name="key"/> is out of the task's reach for a read (or write), or null when it is allowed.</summary>
    public static string? CheckKey(TaskLeaseInfo task, string key, bool write)
    {
        string output = OutputKey(task);
        if (write)
            return key == output ? null : $"task {task.TaskId} may write only its output '{output}', not '{key}'";
        if (key == output || key == BlobKeys.Image(task.ImageId) || key == BlobKeys.Input(task.InputId)) return null;
        var (kind, jobId, index) = BlobKeys.Parse(key);
        bool allowed = jobId == task.JobId && kind switch
        {
            BlobKind.Run => task.Type is TaskType.Prove or TaskType.Finalize,
            BlobKind.Proof => task.Type == TaskType.Finalize && index <= task.Segments,
            _ => false,
        };
        return allowed ? null : $"task {task.TaskId} may not read '{key}' (only its job's image, input and the blobs its work needs)";
    }

    public static string OutputKey(TaskLeaseInfo task) => task.Type switch
    {
        TaskType.Execute => BlobKeys.Run(task.JobId),
        TaskType.Prove => BlobKeys.Proof(task.JobId, task.Index),
        _ => BlobKeys.Receipt(task.JobId),
    };
}
