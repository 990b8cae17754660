using Verity.Cluster.Jobs;
using Verity.Cluster.Store;

namespace Verity.Cluster.Tests.Store;

/// <summary>The lease lookup the blob proxy relies on, and per-agent credentials: the same on every store.</summary>
public abstract partial class TaskStoreContract
{
    private static readonly string HashA = new('a', 64);
    private static readonly string HashB = new('b', 64);

    [Fact]
    public async Task The_lease_lookup_reports_the_stores_own_record_of_the_lease()
    {
        var spec = Spec();
        string jobId = await NewJobAsync([Execute()], spec);
        string taskId = TaskId(jobId, TaskType.Execute, 0);
        var ready = await Store.GetTaskLeaseAsync(taskId);
        Assert.NotNull(ready);
        Assert.Equal((TaskState.Ready, (long?)null, (string?)null, JobState.Running), (ready.State, ready.LeaseId, ready.AgentId, ready.JobState));
        Assert.Equal((jobId, TaskType.Execute, 0, spec.ImageId, spec.InputId), (ready.JobId, ready.Type, ready.Index, ready.ImageId, ready.InputId));

        var claimed = await ClaimOneAsync(At(1));
        var held = await Store.GetTaskLeaseAsync(taskId);
        Assert.NotNull(held);
        Assert.Equal(TaskState.Running, held.State);
        Assert.Equal(claimed.Lease.LeaseId, held.LeaseId);
        Assert.Equal("agent", held.AgentId);
        Assert.NotNull(held.LeaseExpiresAt);
        Assert.True(held.LeaseExpiresAt > At(1));

        Assert.True(await Store.CancelJobAsync(jobId, At(2)));
        var cancelled = await Store.GetTaskLeaseAsync(taskId);
        Assert.Equal((TaskState.Cancelled, JobState.Cancelled), (cancelled!.State, cancelled.JobState));
        Assert.Null(await Store.GetTaskLeaseAsync(TaskId(TaskIds.NewJobId(), TaskType.Execute, 0)));
    }

    [Fact]
    public async Task Agent_credentials_are_added_found_by_token_hash_listed_and_revoked()
    {
        var credentials = Assert.IsAssignableFrom<IAgentCredentialStore>(Store);
        Assert.True(await credentials.AddAgentCredentialAsync("gpu-1", HashA, At(1)));
        Assert.False(await credentials.AddAgentCredentialAsync("gpu-1", HashB, At(2))); // an active one is never replaced
        Assert.Equal("gpu-1", await credentials.FindAgentByTokenAsync(HashA));
        Assert.Null(await credentials.FindAgentByTokenAsync(HashB));

        Assert.True(await credentials.RevokeAgentCredentialAsync("gpu-1", At(3)));
        Assert.False(await credentials.RevokeAgentCredentialAsync("gpu-1", At(4)));
        Assert.Null(await credentials.FindAgentByTokenAsync(HashA));
        Assert.Equal([new AgentCredential("gpu-1", At(1), At(3))], await credentials.ListAgentCredentialsAsync());

        // A revoked name may get a new credential; the old token stays dead.
        Assert.True(await credentials.AddAgentCredentialAsync("gpu-1", HashB, At(5)));
        Assert.Equal("gpu-1", await credentials.FindAgentByTokenAsync(HashB));
        Assert.Null(await credentials.FindAgentByTokenAsync(HashA));
        Assert.Equal([new AgentCredential("gpu-1", At(5), null)], await credentials.ListAgentCredentialsAsync());

        await Assert.ThrowsAsync<ArgumentException>(() => credentials.AddAgentCredentialAsync("Bad/Name", HashA, At(6)));
        await Assert.ThrowsAsync<ArgumentException>(() => credentials.AddAgentCredentialAsync("ok", "not-a-hash", At(6)));
    }

    [Fact]
    public async Task Credentials_added_on_one_store_instance_are_seen_by_its_siblings()
    {
        var siblings = Siblings(2);
        Assert.True(await ((IAgentCredentialStore)siblings[0]).AddAgentCredentialAsync("shared", HashA, At(1)));
        Assert.Equal("shared", await ((IAgentCredentialStore)siblings[1]).FindAgentByTokenAsync(HashA));
    }
}
