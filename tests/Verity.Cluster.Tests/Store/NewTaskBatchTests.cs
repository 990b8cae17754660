using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Store;

namespace Verity.Cluster.Tests.Store;

public sealed class NewTaskBatchTests
{
    [Fact]
    public void Plan_OfTwoHundredThousandSegments_KeepsEveryPrerequisiteOnce()
    {
        // Planning used List.Contains per prerequisite: 200 k segments took 73 s. Now linear.
        const int segments = 200_000;
        string job = TaskIds.NewJobId();
        var completion = JobPlanner.AfterExecute(new JobSpec { ImageId = new string('a', 64), InputId = new string('b', 64) },
            new ExecuteTaskOutput { Cycles = segments, Segments = segments });
        var batch = NewTaskBatch.Plan(job, completion.NewTasks, "tasks");

        Assert.Equal(segments + 2, batch.Rows.Count);
        var finalize = batch.Rows[^1];
        Assert.Equal(TaskType.Finalize, finalize.Type);
        Assert.Equal(segments + 1, finalize.Prerequisites.Length);
        Assert.Equal(segments + 1, finalize.Prerequisites.Distinct().Count());
        Assert.Equal(TaskIds.TaskId(job, TaskType.Prove, segments), finalize.Prerequisites[^1]);
        Assert.Equal(segments + 1, batch.AllPrerequisites().Length);
    }

    [Fact]
    public void Plan_DropsRepeatedPrerequisites_InTheirFirstOrder()
    {
        string job = TaskIds.NewJobId();
        var batch = NewTaskBatch.Plan(job,
            [new NewTask(TaskType.Finalize, 0, [(TaskType.Prove, 2), (TaskType.Prove, 0), (TaskType.Prove, 2), (TaskType.Prove, 0)])], "tasks");
        Assert.Equal([TaskIds.TaskId(job, TaskType.Prove, 2), TaskIds.TaskId(job, TaskType.Prove, 0)], batch.Rows[0].Prerequisites);
    }
}
