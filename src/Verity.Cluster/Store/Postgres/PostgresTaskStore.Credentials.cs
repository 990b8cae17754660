using Dapper;

namespace Verity.Cluster.Store.Postgres;

/// <summary>Per-agent credentials (<see cref="IAgentCredentialStore"/>) and the lease lookup of the blob proxy.</summary>
public sealed partial class PostgresTaskStore : IAgentCredentialStore
{
    public Task<TaskLeaseInfo?> GetTaskLeaseAsync(string taskId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        return RunAsync("read the lease of task " + taskId, async c =>
            (await c.QuerySingleOrDefaultAsync<TaskLeaseRow>(Cmd(TaskLeaseRow.Sql, new { TaskId = taskId }, null, ct)).ConfigureAwait(false))?.ToInfo(), ct);
    }

    public Task<bool> AddAgentCredentialAsync(string name, string tokenSha256Hex, DateTimeOffset now, CancellationToken ct = default)
    {
        AgentCredentialSql.CheckName(name);
        AgentCredentialSql.CheckHash(tokenSha256Hex);
        return RunAsync("add agent credential " + name, async c =>
            await c.ExecuteAsync(Cmd(AgentCredentialSql.Add, new { Name = name, Hash = tokenSha256Hex.ToLowerInvariant(), Now = StoreTime.Ms(now) }, null, ct)).ConfigureAwait(false) == 1, ct);
    }

    public Task<bool> RevokeAgentCredentialAsync(string name, DateTimeOffset now, CancellationToken ct = default)
    {
        AgentCredentialSql.CheckName(name);
        return RunAsync("revoke agent credential " + name, async c =>
            await c.ExecuteAsync(Cmd(AgentCredentialSql.Revoke, new { Name = name, Now = StoreTime.Ms(now) }, null, ct)).ConfigureAwait(false) == 1, ct);
    }

    public Task<IReadOnlyList<AgentCredential>> ListAgentCredentialsAsync(CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<AgentCredential>>("list agent credentials", async c =>
            (await c.QueryAsync<AgentCredentialSql.Row>(Cmd(AgentCredentialSql.List, null, null, ct)).ConfigureAwait(false)).Select(r => r.ToCredential()).ToList(), ct);

    public Task<string?> FindAgentByTokenAsync(string tokenSha256Hex, CancellationToken ct = default)
    {
        AgentCredentialSql.CheckHash(tokenSha256Hex);
        return RunAsync("find agent credential", async c =>
            await c.QuerySingleOrDefaultAsync<string?>(Cmd(AgentCredentialSql.Find, new { Hash = tokenSha256Hex.ToLowerInvariant() }, null, ct)).ConfigureAwait(false), ct);
    }
}
