using System.Net;
using System.Text.Json;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Store;
using Verity.Node.Rpc;
using Verity.Node.Tests.TestDoubles;

namespace Verity.Node.Tests;

/// <summary>Per-agent tokens: created and revoked through /v1/admin/agents, bound to their agent name, refused once revoked.</summary>
public sealed class AgentCredentialTests
{
    private static async Task<AgentCreated> AddAsync(TestNode node, string name)
    {
        using var response = await node.SendAsync(HttpMethod.Post, AgentAdminApi.Path, TestNode.Json($"{{\"name\":\"{name}\"}}"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await TestNode.ReadAsync<AgentCreated>(response);
    }

    private static string GetTask(string agentId) =>
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 1, method = AgentRpc.GetTask, @params = new { agentId, types = new[] { "execute" } } });

    [Fact]
    public async Task A_per_agent_token_acts_only_as_its_own_agents_and_only_until_revoked()
    {
        await using var node = await TestNode.StartAsync();
        var gpu = await AddAsync(node, "gpu-1");
        Assert.Equal(64, gpu.Token.Length);
        string jobId = await node.CreateJobAsync();

        var (forgedStatus, forged) = await node.RpcAsync(GetTask("other/0"), gpu.Token);
        Assert.Equal(403, forgedStatus);
        Assert.Contains("may not act as agent id 'other/0'", forged.GetProperty("error").GetProperty("message").GetString());

        var (status, claimed) = await node.RpcAsync(GetTask("gpu-1/0"), gpu.Token);
        Assert.Equal(200, status);
        var task = claimed.GetProperty("result").Deserialize<ClaimedTask>(ClusterJson.Options)!;
        using (var put = await node.BlobAsync(HttpMethod.Put, BlobKeys.Run(jobId), [1, 2], gpu.Token, task.Lease))
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);

        // Another agent's token cannot use this agent's lease, even knowing its ids.
        var thief = await AddAsync(node, "thief");
        using (var stolen = await node.BlobAsync(HttpMethod.Get, BlobKeys.Input(task.Spec.InputId), token: thief.Token, lease: task.Lease))
        {
            Assert.Equal(HttpStatusCode.Forbidden, stolen.StatusCode);
            Assert.Contains("held by another agent than 'thief'", await TestNode.ErrorOf(stolen));
        }

        using (var list = await node.SendAsync(HttpMethod.Get, AgentAdminApi.Path))
            Assert.Equal(["gpu-1", "thief"], (await TestNode.ReadAsync<List<AgentCredentialView>>(list)).Select(c => c.Name));
        using (var revoke = await node.SendAsync(HttpMethod.Delete, $"{AgentAdminApi.Path}/gpu-1")) Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        var (revokedStatus, revoked) = await node.RpcAsync(GetTask("gpu-1/0"), gpu.Token);
        Assert.Equal(401, revokedStatus);
        Assert.Contains("revoked", revoked.GetProperty("error").GetProperty("message").GetString());
        using (var get = await node.BlobAsync(HttpMethod.Get, BlobKeys.Run(jobId), token: gpu.Token, lease: task.Lease))
            Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
        using (var again = await node.SendAsync(HttpMethod.Delete, $"{AgentAdminApi.Path}/gpu-1")) Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task A_revocation_on_another_node_takes_effect_once_the_cache_time_has_passed()
    {
        var clock = new ShiftedClock();
        await using var node = await TestNode.StartAsync(components: c => c with { Time = clock });
        var agent = await AddAsync(node, "remote");
        Assert.Equal(200, (await node.RpcAsync(GetTask("remote/0"), agent.Token)).Status);

        // Another node on the same database revokes it: this node does not learn of it directly.
        Assert.True(await ((IAgentCredentialStore)node.Store).RevokeAgentCredentialAsync("remote", clock.GetUtcNow()));
        clock.Advance(AgentAuthenticator.CacheTime + TimeSpan.FromSeconds(1));
        Assert.Equal(401, (await node.RpcAsync(GetTask("remote/0"), agent.Token)).Status);
    }

    [Fact]
    public async Task The_shared_token_can_be_turned_off_and_admin_calls_need_the_api_key()
    {
        await using var node = await TestNode.StartAsync(o => o with { SharedAgentToken = false });
        Assert.Equal(401, (await node.RpcAsync(GetTask("hand/0"))).Status);
        var agent = await AddAsync(node, "only");
        Assert.Equal(200, (await node.RpcAsync(GetTask("only/0"), agent.Token)).Status);

        using (var noKey = await node.SendAsync(HttpMethod.Post, AgentAdminApi.Path, TestNode.Json("{\"name\":\"x\"}"), apiKey: null))
            Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        using (var bad = await node.SendAsync(HttpMethod.Post, AgentAdminApi.Path, TestNode.Json("{\"name\":\"Not/A/Name\"}")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("'Not/A/Name' is not an agent name", await TestNode.ErrorOf(bad));
        }
        using (var twice = await node.SendAsync(HttpMethod.Post, AgentAdminApi.Path, TestNode.Json("{\"name\":\"only\"}")))
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
    }
}
