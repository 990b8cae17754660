using System.Net;
using System.Text.Json;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Node.Tests.TestDoubles;

namespace Verity.Node.Tests;

/// <summary>The agents' JSON-RPC endpoint over real HTTP: auth, JSON-RPC error codes, batches, and a whole job driven by hand.</summary>
public sealed class AgentRpcTests
{
    private const string GetTask = """{"jsonrpc":"2.0","id":7,"method":"verity_getTask","params":{"agentId":"a1"}}""";

    internal static void AssertError(JsonElement response, int code, string messagePart)
    {
        var error = response.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Contains(messagePart, error.GetProperty("message").GetString());
        Assert.False(response.TryGetProperty("result", out _));
    }

    [Fact]
    public async Task Missing_or_wrong_token_is_401_and_claims_nothing()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        foreach (var (token, message) in new[] { ((string?)null, "missing agent token"), ("wrong-token-0123456789abcdef", "wrong agent token"), (TestNode.ApiKey, "wrong agent token") })
        {
            var (status, body) = await node.RpcAsync(GetTask, token);
            Assert.Equal(401, status);
            AssertError(body, AgentRpc.ServerError, message);
        }
        Assert.Equal(1, (await node.TasksAsync(jobId, "execute")).Ready);

        // A Basic header is not a bearer token.
        var request = new HttpRequestMessage(HttpMethod.Post, AgentRpc.Path) { Content = TestNode.Json(GetTask) };
        request.Headers.TryAddWithoutValidation("Authorization", "Basic " + TestNode.AgentToken);
        using var basic = await node.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, basic.StatusCode);
    }

    [Fact]
    public async Task Get_task_hands_out_the_ready_task_then_null()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        var (status, body) = await node.RpcAsync(GetTask);
        Assert.Equal(200, status);
        Assert.Equal("2.0", body.GetProperty("jsonrpc").GetString());
        Assert.Equal(7, body.GetProperty("id").GetInt32());
        var task = body.GetProperty("result").Deserialize<ClaimedTask>(ClusterJson.Options)!;
        Assert.Equal(TaskIds.TaskId(jobId, TaskType.Execute, 0), task.TaskId);
        Assert.Equal(1, task.Attempt);

        var (again, empty) = await node.RpcAsync(GetTask);
        Assert.Equal(200, again);
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task A_batch_answers_each_request_in_order()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        var (status, response) = await node.RpcAsync("""
            [
              {"jsonrpc":"2.0","id":1,"method":"verity_getTask","params":{"agentId":"a","types":["execute"]}},
              {"jsonrpc":"2.0","id":2,"method":"verity_nope"},
              {"jsonrpc":"2.0","id":3,"method":"verity_getTask","params":{"agentId":"b"}},
              17
            ]
            """);
        Assert.Equal(200, status);
        var answers = response.EnumerateArray().ToList();
        Assert.Equal(4, answers.Count);
        Assert.Equal(1, answers[0].GetProperty("id").GetInt32());
        Assert.Equal(TaskIds.TaskId(jobId, TaskType.Execute, 0), answers[0].GetProperty("result").GetProperty("taskId").GetString());
        Assert.Equal(2, answers[1].GetProperty("id").GetInt32());
        AssertError(answers[1], AgentRpc.MethodNotFound, "verity_nope");
        Assert.Equal(3, answers[2].GetProperty("id").GetInt32());
        Assert.Equal(JsonValueKind.Null, answers[2].GetProperty("result").ValueKind);
        AssertError(answers[3], AgentRpc.InvalidRequest, "expected a JSON object");
    }

    [Fact]
    public async Task Forged_leases_over_rpc_neither_complete_nor_steal_a_task()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        string[] types = ["execute"];
        string execute = TaskIds.TaskId(jobId, TaskType.Execute, 0);
        var invented = ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = 1, Segments = 1, JournalHex = "00" });

        // A made-up lease for a task nobody claimed: nothing changes.
        await node.CallAsync(AgentRpc.ReportSuccess, new { agentId = "forger", lease = new { taskId = execute, leaseId = 77, startedMs = 1 }, output = invented, types = new[] { "finalize" } });
        var status = await node.StatusAsync(jobId);
        Assert.Equal((JobState.Running, (long?)null, 1), (status.State, status.Cycles, status.Tasks["execute"].Ready));

        // The heartbeat forgery {"leaseId":1,"startedMs":1} against a real holder.
        var real = (await node.CallAsync(AgentRpc.GetTask, new { agentId = "real", types })).Deserialize<ClaimedTask>(ClusterJson.Options)!;
        var forged = (await node.CallAsync(AgentRpc.Heartbeat, new { agentId = "forger", lease = new { taskId = execute, leaseId = 1, startedMs = 1 }, types = new[] { "finalize" } }))
            .Deserialize<HeartbeatResult>(ClusterJson.Options)!;
        Assert.Equal(LeaseStatus.Lost, forged.Status);
        var held = (await node.CallAsync(AgentRpc.Heartbeat, new { agentId = "real", lease = real.Lease, progress = 0.5, types }))
            .Deserialize<HeartbeatResult>(ClusterJson.Options)!;
        Assert.Equal(LeaseStatus.Held, held.Status);
        Assert.Equal(1, (await node.TasksAsync(jobId, "execute")).Running);
    }

    [Fact]
    public async Task A_job_driven_by_hand_over_rpc_and_the_blob_proxy_yields_its_receipt()
    {
        // The retry backoff passes when the test moves the node's clock, not after some wall-clock time: a loaded
        // machine cannot let the failed task come back before the other one is handed out.
        var clock = new ShiftedClock();
        var backoff = TimeSpan.FromMinutes(1);
        await using var node = await TestNode.StartAsync(o => o with
        {
            Broker = o.Broker with { Policies = o.Broker.Policies with { Prove = o.Broker.Policies.Prove with { RetryBackoff = backoff } } },
        }, components: c => c with { Time = clock });
        string jobId = await node.CreateJobAsync();
        string[] types = ["execute", "prove", "finalize"];

        var execute = (await node.CallAsync(AgentRpc.GetTask, new { agentId = "hand", types })).Deserialize<ClaimedTask>(ClusterJson.Options)!;
        Assert.Equal(TaskType.Execute, execute.Type);
        var beat = (await node.CallAsync(AgentRpc.Heartbeat, new { agentId = "hand", lease = execute.Lease, progress = 0.5, types }))
            .Deserialize<HeartbeatResult>(ClusterJson.Options)!;
        Assert.Equal(LeaseStatus.Held, beat.Status);
        Assert.Null(beat.Next);

        // One segment: prove 0, prove 1 (the memory proof), then finalize.
        var output = ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = 500, Segments = 1, JournalHex = "beef", InputConsumed = 3 });
        var next = (await node.CallAsync(AgentRpc.ReportSuccess, new { agentId = "hand", lease = execute.Lease, output, types })).Deserialize<ClaimedTask>(ClusterJson.Options)!;
        Assert.Equal(TaskType.Prove, next.Type);
        Assert.Equal(1, next.Segments);

        // A retryable error hands the task back; the agent gets the other prove task first.
        var other = (await node.CallAsync(AgentRpc.ReportError, new { agentId = "hand", lease = next.Lease, error = "GPU fell off", retry = true, types }))
            .Deserialize<ClaimedTask>(ClusterJson.Options)!;
        Assert.Equal(TaskType.Prove, other.Type);
        Assert.NotEqual(next.Index, other.Index);
        var prove = await node.TasksAsync(jobId, "prove");
        Assert.Equal((1, 1), (prove.Ready, prove.Running));

        var proved = ClusterJson.Serialize(new ProveTaskOutput { ProofBytes = 3 });
        // A success stands only with its output stored: the proof goes up first, under the task's lease.
        using (var proof = await node.BlobAsync(HttpMethod.Put, BlobKeys.Proof(jobId, other.Index), [1, 2, 3], lease: other.Lease))
            Assert.Equal(HttpStatusCode.NoContent, proof.StatusCode);
        var afterOther = await node.CallAsync(AgentRpc.ReportSuccess, new { agentId = "hand", lease = other.Lease, output = proved, types });
        // The failed prove task is held back during its backoff and comes back once it has passed.
        Assert.Equal(JsonValueKind.Null, afterOther.ValueKind);
        Assert.Equal(JsonValueKind.Null, (await node.CallAsync(AgentRpc.GetTask, new { agentId = "hand", types })).ValueKind);
        clock.Advance(backoff + TimeSpan.FromSeconds(1));
        var polled = await node.CallAsync(AgentRpc.GetTask, new { agentId = "hand", types });
        Assert.NotEqual(JsonValueKind.Null, polled.ValueKind);
        var retried = polled.Deserialize<ClaimedTask>(ClusterJson.Options)!;
        Assert.Equal(next.TaskId, retried.TaskId);
        Assert.Equal(2, retried.Attempt);
        using (var proof = await node.BlobAsync(HttpMethod.Put, BlobKeys.Proof(jobId, retried.Index), [1, 2, 3], lease: retried.Lease))
            Assert.Equal(HttpStatusCode.NoContent, proof.StatusCode);

        var finalize = (await node.CallAsync(AgentRpc.ReportSuccess, new { agentId = "hand", lease = retried.Lease, output = proved, types }))
            .Deserialize<ClaimedTask>(ClusterJson.Options)!;
        Assert.Equal(TaskType.Finalize, finalize.Type);

        byte[] receipt = ScriptedTaskRunner.ReceiptFor(jobId);
        using (var put = await node.BlobAsync(HttpMethod.Put, BlobKeys.Receipt(jobId), receipt, lease: finalize.Lease))
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        var done = ClusterJson.Serialize(new FinalizeTaskOutput { ReceiptBytes = receipt.Length });
        var last = await node.CallAsync(AgentRpc.ReportSuccess, new { agentId = "hand", lease = finalize.Lease, output = done, types });
        Assert.Equal(JsonValueKind.Null, last.ValueKind);

        var status = await node.StatusAsync(jobId);
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(500, status.Cycles);
        Assert.Equal("beef", status.JournalHex);
        Assert.Equal(receipt.Length, status.ReceiptBytes);
        Assert.Equal(2, status.Tasks["prove"].Done);

        using var download = await node.SendAsync(HttpMethod.Get, $"/v1/jobs/{jobId}/receipt");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(receipt, await download.Content.ReadAsByteArrayAsync());

        // A late heartbeat on a finished task is told the lease is lost.
        var late = (await node.CallAsync(AgentRpc.Heartbeat, new { agentId = "hand", lease = finalize.Lease, types })).Deserialize<HeartbeatResult>(ClusterJson.Options)!;
        Assert.Equal(LeaseStatus.Lost, late.Status);
    }
}
