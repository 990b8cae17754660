using System.Data.Common;
using Verity.Cluster.Jobs;
using Verity.Node.Configuration;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The task store a scenario runs on (SQLite in the test's data dir, or a PostgreSQL schema of its own): how a node is
/// pointed at it, in-process or as a `verity node` process, and a direct read of its task table.
/// </summary>
public abstract class StoreTarget
{
    /// <summary>Node:Db as the node configuration spells it.</summary>
    public abstract string Db { get; }

    /// <summary>The options of an in-process node on this store.</summary>
    public abstract NodeOptions Apply(NodeOptions options);

    /// <summary>The flags of a `verity node` process on this store.</summary>
    public abstract IReadOnlyList<string> NodeFlags { get; }

    protected internal abstract DbConnection Connect();

    /// <summary>The job's tasks in type and index order, read from the store's tables (not through its API).</summary>
    public async Task<IReadOnlyList<TaskRow>> TasksAsync(string jobId)
    {
        await using var connection = Connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT t.task_id, t.state, t.attempts, t.lease_id, t.agent_id, t.output_json, t.last_error
            FROM tasks t JOIN jobs j ON j.seq = t.job_seq
            WHERE j.job_id = @job
            ORDER BY t.type, t.idx
            """;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "job";
        parameter.Value = jobId;
        command.Parameters.Add(parameter);
        var rows = new List<TaskRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new TaskRow(
                reader.GetString(0),
                (TaskState)Convert.ToInt32(reader.GetValue(1)),
                Convert.ToInt32(reader.GetValue(2)),
                reader.IsDBNull(3) ? null : Convert.ToInt64(reader.GetValue(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        return rows;
    }

    /// <summary>One task of the job, by type and index.</summary>
    public async Task<TaskRow> TaskAsync(string jobId, TaskType type, int index)
    {
        string id = TaskIds.TaskId(jobId, type, index);
        return (await TasksAsync(jobId)).SingleOrDefault(r => r.TaskId == id)
            ?? throw new InvalidOperationException($"task {id} is not in the store");
    }
}
