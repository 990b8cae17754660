using Verity.Cluster.Protocol;

namespace Verity.Cluster.Jobs;

/// <summary>
/// Turns a job into its task graph (DESIGN §2). The graph grows as results arrive: a job starts with its execute
/// task; execute's output (the segment count) adds one prove task per segment plus one for the memory table, and a
/// finalize task that waits on all of them. Ids are deterministic, so planning twice adds nothing.
/// </summary>
public static class JobPlanner
{
    public static IReadOnlyList<NewTask> InitialTasks(JobSpec spec) => [NewTask.Ready(TaskType.Execute, 0)];

    /// <summary>What the execute task's success adds to the job.</summary>
    public static TaskCompletion AfterExecute(JobSpec spec, ExecuteTaskOutput output)
    {
        if (output.Segments < 1) throw new ArgumentException($"an execute output with {output.Segments} segments", nameof(output));
        var summary = new ExecutionSummary
        {
            Cycles = output.Cycles,
            Segments = output.Segments,
            ExitCode = output.ExitCode,
            JournalHex = output.JournalHex,
            InputConsumed = output.InputConsumed,
        };
        if (spec.ExecuteOnly) return new TaskCompletion { Execution = summary, CompletesJob = true };

        // Prove indices 0..segments-1 are the segments, index == segments is the run's memory table.
        int proofs = output.Segments + 1;
        var tasks = new List<NewTask>(proofs + 1);
        var prerequisites = new (TaskType, int)[proofs];
        for (int i = 0; i < proofs; i++)
        {
            tasks.Add(NewTask.Ready(TaskType.Prove, i));
            prerequisites[i] = (TaskType.Prove, i);
        }
        tasks.Add(new NewTask(TaskType.Finalize, 0, prerequisites));
        return new TaskCompletion { Execution = summary, NewTasks = tasks };
    }

    /// <summary>What the finalize task's success does: the job succeeds.</summary>
    public static TaskCompletion AfterFinalize(FinalizeTaskOutput output) =>
        new() { CompletesJob = true, ReceiptBytes = output.ReceiptBytes };

    /// <summary>Number of prove tasks of a run with this many segments (segments + the memory proof).</summary>
    public static int ProveTasks(int segments) => segments + 1;
}
