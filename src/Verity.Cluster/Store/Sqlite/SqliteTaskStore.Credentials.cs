using Dapper;

namespace Verity.Cluster.Store.Sqlite;

/// <summary>Per-agent credentials (<see cref="IAgentCredentialStore"/>) and the lease lookup of the blob proxy.</summary>
public sealed partial class SqliteTaskStore : IAgentCredentialStore
{
    public Task<TaskLeaseInfo?> GetTaskLeaseAsync(string taskId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        return ReadAsync("read the lease of task " + taskId,
            (c, tx) => c.QuerySingleOrDefault<TaskLeaseRow>(TaskLeaseRow.Sql, new { TaskId = taskId }, tx)?.ToInfo(), ct);
    }

    public Task<bool> AddAgentCredentialAsync(string name, string tokenSha256Hex, DateTimeOffset now, CancellationToken ct = default)
    {
        AgentCredentialSql.CheckName(name);
        AgentCredentialSql.CheckHash(tokenSha256Hex);
        return WriteAsync("add agent credential " + name,
            (c, tx) => c.Execute(AgentCredentialSql.Add, new { Name = name, Hash = tokenSha256Hex.ToLowerInvariant(), Now = StoreTime.Ms(now) }, tx) == 1, ct);
    }

    public Task<bool> RevokeAgentCredentialAsync(string name, DateTimeOffset now, CancellationToken ct = default)
    {
        AgentCredentialSql.CheckName(name);
        return WriteAsync("revoke agent credential " + name,
            (c, tx) => c.Execute(AgentCredentialSql.Revoke, new { Name = name, Now = StoreTime.Ms(now) }, tx) == 1, ct);
    }

    public Task<IReadOnlyList<AgentCredential>> ListAgentCredentialsAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<AgentCredential>>("list agent credentials",
            (c, tx) => c.Query<AgentCredentialSql.Row>(AgentCredentialSql.List, transaction: tx).Select(r => r.ToCredential()).ToList(), ct);

    public Task<string?> FindAgentByTokenAsync(string tokenSha256Hex, CancellationToken ct = default)
    {
        AgentCredentialSql.CheckHash(tokenSha256Hex);
        return ReadAsync("find agent credential",
            (c, tx) => c.QuerySingleOrDefault<string?>(AgentCredentialSql.Find, new { Hash = tokenSha256Hex.ToLowerInvariant() }, tx), ct);
    }
}
