using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>
/// The claim order both stores keep (see <see cref="ITaskStore"/>). Each task row carries copies of its job's deadline
/// and priority plus its stage, so one partial index on Ready tasks serves the claim query in this order without a
/// join; the job spec never changes, so the copies never go stale.
/// </summary>
internal static class TaskOrder
{
    /// <summary>
    /// ORDER BY over the tasks table (the column names are the same in both schemas): deadline (none last), priority
    /// (higher first), stage (finalize, prove, execute), job creation order, task index. The Ready-task index of each
    /// schema lists exactly these columns.
    /// </summary>
    public const string OrderBy = "deadline_key, priority DESC, stage, job_seq, idx";

    /// <summary>The sort key of a job's deadline: Unix ms, or the largest value when there is none (sorts last).</summary>
    public static long DeadlineKey(JobSpec spec) => DeadlineKey(spec.Deadline?.ToUnixTimeMilliseconds());

    /// <inheritdoc cref="DeadlineKey(JobSpec)"/>
    public static long DeadlineKey(long? deadlineMs) => deadlineMs ?? long.MaxValue;

    /// <summary>The allow-list as a bit mask over <see cref="TaskType"/> values (bit t set: type t allowed), so the claim
    /// statement has one shape whatever the list is.</summary>
    public static int TypeMask(IReadOnlyList<TaskType> allowed)
    {
        int mask = 0;
        foreach (var t in allowed) mask |= 1 << (int)t;
        return mask;
    }
}
