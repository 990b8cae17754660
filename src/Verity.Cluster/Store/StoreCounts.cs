using Verity.Cluster.Jobs;

namespace Verity.Cluster.Store;

/// <summary>Turns grouped count rows (type, state, n) into the shapes the interface returns, with every type and state
/// present (zeros included) so readers need not special-case missing keys.</summary>
internal static class StoreCounts
{
    /// <summary>A grouped count row (Dapper fills it from "type, state, n" / "state, n" queries).</summary>
    public sealed class Row
    {
        public int Type { get; set; }
        public int State { get; set; }
        public long N { get; set; }
        /// <summary>Attempts (claims) summed over the group's tasks; 0 where the query does not select it.</summary>
        public long Runs { get; set; }
        /// <summary>Attempts beyond each task's first, summed over the group.</summary>
        public long Reruns { get; set; }
    }

    public static IReadOnlyList<TaskCounts> PerType(IEnumerable<Row> rows)
    {
        var list = rows.ToList();
        return TaskTypes.All.Select(type => new TaskCounts(type, TaskStateNames.All.ToDictionary(
            s => s, s => (int)list.Where(r => r.Type == (int)type && r.State == (int)s).Sum(r => r.N)))
        {
            Runs = (int)list.Where(r => r.Type == (int)type).Sum(r => r.Runs),
            Reruns = (int)list.Where(r => r.Type == (int)type).Sum(r => r.Reruns),
        }).ToList();
    }

    public static StoreStats Stats(IEnumerable<Row> jobRows, IEnumerable<Row> taskRows)
    {
        var jobs = Enum.GetValues<JobState>().ToDictionary(s => s, _ => 0L);
        foreach (var r in jobRows) jobs[(JobState)r.State] = jobs.GetValueOrDefault((JobState)r.State) + r.N;
        var tasks = new Dictionary<(TaskType, TaskState), long>();
        foreach (var t in TaskTypes.All)
            foreach (var s in TaskStateNames.All) tasks[(t, s)] = 0;
        foreach (var r in taskRows) tasks[((TaskType)r.Type, (TaskState)r.State)] = tasks.GetValueOrDefault(((TaskType)r.Type, (TaskState)r.State)) + r.N;
        return new StoreStats(jobs, tasks);
    }
}
