using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>
/// Tasks to insert into one job, checked and given their ids (shared by job creation and completions). Rows keep the
/// caller's order, so prerequisites listed first get lower insertion order. Whether a prerequisite outside the batch
/// exists is checked by the store, against its database.
/// </summary>
internal sealed class NewTaskBatch
{
    /// <summary>One task to insert: its id, type, index, stage and the ids of the tasks it waits on (distinct).</summary>
    public sealed record Row(string TaskId, TaskType Type, int Index, string[] Prerequisites)
    {
        public int Stage => Type.Stage();
    }

    private NewTaskBatch(IReadOnlyList<Row> rows) => Rows = rows;

    public IReadOnlyList<Row> Rows { get; }

    public bool IsEmpty => Rows.Count == 0;

    /// <summary>Every prerequisite id named by the batch, once each, sorted (the lock order).</summary>
    public string[] AllPrerequisites() =>
        Rows.SelectMany(r => r.Prerequisites).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <exception cref="ArgumentException">A null entry, an unknown type, a negative index, a task listed twice or one
    /// that waits on itself.</exception>
    public static NewTaskBatch Plan(string jobId, IReadOnlyList<NewTask>? tasks, string paramName)
    {
        if (tasks is null || tasks.Count == 0) return new NewTaskBatch([]);
        var rows = new List<Row>(tasks.Count);
        var seen = new HashSet<(TaskType, int)>();
        foreach (var t in tasks)
        {
            if (t is null) throw new ArgumentException("a new task is null", paramName);
            Check(t.Type, t.Index, paramName);
            if (!seen.Add((t.Type, t.Index)))
                throw new ArgumentException($"{t.Type.Name()} task {t.Index} is listed twice", paramName);
            var prerequisites = new List<string>(t.Prerequisites?.Count ?? 0);
            // A set, not List.Contains: a finalize task waits on every proof, so this loop is the size of the run.
            var distinct = new HashSet<string>(t.Prerequisites?.Count ?? 0, StringComparer.Ordinal);
            foreach (var (type, index) in t.Prerequisites ?? [])
            {
                Check(type, index, paramName);
                if (type == t.Type && index == t.Index)
                    throw new ArgumentException($"{t.Type.Name()} task {t.Index} waits on itself", paramName);
                string id = TaskIds.TaskId(jobId, type, index);
                if (distinct.Add(id)) prerequisites.Add(id);
            }
            rows.Add(new Row(TaskIds.TaskId(jobId, t.Type, t.Index), t.Type, t.Index, [.. prerequisites]));
        }
        return new NewTaskBatch(rows);
    }

    /// <summary>The error for a prerequisite that is neither in the batch nor in the job.</summary>
    public static ArgumentException MissingPrerequisite(string taskId, string prerequisiteId, string paramName) =>
        new($"task {taskId} waits on {prerequisiteId}, which is neither among the new tasks nor in the job", paramName);

    private static void Check(TaskType type, int index, string paramName)
    {
        if (!TaskTypes.All.Contains(type)) throw new ArgumentException($"unknown task type {(int)type}", paramName);
        if (index < 0) throw new ArgumentException($"{type.Name()} task index {index} is negative", paramName);
    }
}
