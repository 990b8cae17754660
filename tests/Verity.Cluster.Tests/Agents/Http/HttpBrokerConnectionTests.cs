using System.Collections.Concurrent;
using System.Text.Json;
using Verity.Cluster.Agents;
using Verity.Cluster.Agents.Http;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Tests.TestDoubles;

namespace Verity.Cluster.Tests.Agents.Http;

/// <summary>The agent's JSON-RPC client against a stub node: wire shape and error mapping.</summary>
public sealed class HttpBrokerConnectionTests
{
    private const string Token = "agent-token-123";
    private static readonly IReadOnlyList<TaskType> ExecuteProve = [TaskType.Execute, TaskType.Prove];

    /// <summary>A JSON-RPC success answer to <paramref name="request"/> with the given result JSON.</summary>
    private static StubResponse Result(StubRequest request, string resultJson)
    {
        using var doc = JsonDocument.Parse(request.BodyText);
        string id = doc.RootElement.GetProperty("id").GetRawText();
        return StubResponse.Json(200, $"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{resultJson}}}");
    }

    private static StubResponse RpcError(StubRequest request, int httpStatus, int code, string message)
    {
        using var doc = JsonDocument.Parse(request.BodyText);
        string id = doc.RootElement.GetProperty("id").GetRawText();
        return StubResponse.Json(httpStatus, $"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"error\":{{\"code\":{code},\"message\":{JsonSerializer.Serialize(message)}}}}}");
    }

    private static HttpBrokerConnection Connect(StubHttpServer server, TimeSpan? callTimeout = null)
    {
        if (callTimeout == null) return AgentHttp.Create(server.BaseAddress, Token);
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        return new HttpBrokerConnection(http, server.BaseAddress, Token, new HttpBlobStore(http, server.BaseAddress, Token), callTimeout, ownsClient: true);
    }

    [Fact]
    public async Task GetTask_posts_a_json_rpc_request_with_named_params_and_the_bearer_token()
    {
        var task = ScriptedBrokerConnection.NewTask(TaskType.Prove, 4);
        using var server = new StubHttpServer(r => Result(r, ClusterJson.Serialize(task)));
        using var connection = Connect(server);

        var got = await connection.GetTaskAsync("gpu-1/0", ExecuteProve, CancellationToken.None);

        Assert.Equal(task, got);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(AgentRpc.Path, request.Path);
        Assert.Equal($"Bearer {Token}", request.Header("Authorization"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        using var doc = JsonDocument.Parse(request.BodyText);
        var root = doc.RootElement;
        Assert.Equal("2.0", root.GetProperty("jsonrpc").GetString());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("id").ValueKind);
        Assert.Equal(AgentRpc.GetTask, root.GetProperty("method").GetString());
        var p = root.GetProperty("params");
        Assert.Equal(JsonValueKind.Object, p.ValueKind); // named, not positional
        Assert.Equal("gpu-1/0", p.GetProperty("agentId").GetString());
        Assert.Equal(["execute", "prove"], p.GetProperty("types").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task A_null_result_means_no_task()
    {
        using var server = new StubHttpServer(r => Result(r, "null"));
        using var connection = Connect(server);
        Assert.Null(await connection.GetTaskAsync("a/0", TaskTypes.All, CancellationToken.None));
        Assert.Null(await connection.ReportSuccessAsync("a/0", new TaskLease(ScriptedBrokerConnection.NewTask(TaskType.Execute, 0).TaskId, 1, 2), "{}", TaskTypes.All, CancellationToken.None));
    }

    [Fact]
    public async Task Heartbeat_sends_the_lease_and_progress_and_returns_the_next_task_when_lost()
    {
        var held = ScriptedBrokerConnection.NewTask(TaskType.Prove, 0);
        var next = ScriptedBrokerConnection.NewTask(TaskType.Prove, 1);
        using var server = new StubHttpServer(r => Result(r, ClusterJson.Serialize(new HeartbeatResult { Status = LeaseStatus.Lost, Next = next })));
        using var connection = Connect(server);

        var reply = await connection.HeartbeatAsync("a/0", held.Lease, 0.5, ExecuteProve, CancellationToken.None);

        Assert.Equal(LeaseStatus.Lost, reply.Status);
        Assert.Equal(next, reply.Next);
        using var doc = JsonDocument.Parse(Assert.Single(server.Requests).BodyText);
        var p = doc.RootElement.GetProperty("params");
        Assert.Equal(AgentRpc.Heartbeat, doc.RootElement.GetProperty("method").GetString());
        Assert.Equal(held.Lease, p.GetProperty("lease").Deserialize<TaskLease>(ClusterJson.Options));
        Assert.Equal(0.5, p.GetProperty("progress").GetDouble());
    }

    [Fact]
    public async Task Reports_send_the_output_and_the_retry_and_want_next_flags()
    {
        var task = ScriptedBrokerConnection.NewTask(TaskType.Execute, 0);
        using var server = new StubHttpServer(r => Result(r, "null"));
        using var connection = Connect(server);

        await connection.ReportSuccessAsync("a/0", task.Lease, "{\"cycles\":5}", ExecuteProve, CancellationToken.None);
        await connection.ReportErrorAsync("a/0", task.Lease, "the agent stopped", retry: true, ExecuteProve, CancellationToken.None, wantNext: false);

        var requests = server.Requests.ToArray();
        using var success = JsonDocument.Parse(requests[0].BodyText);
        Assert.Equal(AgentRpc.ReportSuccess, success.RootElement.GetProperty("method").GetString());
        Assert.Equal("{\"cycles\":5}", success.RootElement.GetProperty("params").GetProperty("output").GetString());
        using var error = JsonDocument.Parse(requests[1].BodyText);
        var p = error.RootElement.GetProperty("params");
        Assert.Equal(AgentRpc.ReportError, error.RootElement.GetProperty("method").GetString());
        Assert.Equal("the agent stopped", p.GetProperty("error").GetString());
        Assert.True(p.GetProperty("retry").GetBoolean());
        Assert.False(p.GetProperty("wantNext").GetBoolean());
        Assert.NotEqual(success.RootElement.GetProperty("id").GetInt64(), error.RootElement.GetProperty("id").GetInt64());
    }

    [Theory]
    [InlineData(400, AgentRpc.InvalidParams, "lease is required")]
    [InlineData(200, AgentRpc.MethodNotFound, "unknown method")]
    public async Task Json_rpc_errors_name_the_method_and_the_nodes_message_and_are_not_retried(int httpStatus, int code, string message)
    {
        using var server = new StubHttpServer(r => RpcError(r, httpStatus, code, message));
        using var connection = Connect(server);

        var e = await Assert.ThrowsAsync<BrokerRpcException>(() => connection.HeartbeatAsync("a/0", ScriptedBrokerConnection.NewTask(TaskType.Prove, 0).Lease, null, ExecuteProve, CancellationToken.None));

        Assert.Equal(AgentRpc.Heartbeat, e.Method);
        Assert.Equal(code, e.RpcCode);
        Assert.Equal(httpStatus, e.HttpStatus);
        Assert.Contains(AgentRpc.Heartbeat, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task A_wrong_token_is_a_clear_error_that_is_not_retried()
    {
        using var server = new StubHttpServer(_ => StubResponse.Json(401, "{\"error\":\"missing or wrong agent token\"}"));
        using var connection = Connect(server);
        var e = await Assert.ThrowsAsync<BrokerRpcException>(() => connection.GetTaskAsync("a/0", ExecuteProve, CancellationToken.None));
        Assert.Equal(401, e.HttpStatus);
        Assert.Contains("token", e.Message);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(429)]
    public async Task Server_errors_surface_as_connection_errors_so_the_agent_backs_off(int status)
    {
        using var server = new StubHttpServer(_ => StubResponse.Text(status, "database unavailable"));
        using var connection = Connect(server);
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => connection.GetTaskAsync("a/0", ExecuteProve, CancellationToken.None));
        Assert.Equal(status, (int?)e.StatusCode);
        Assert.Contains(AgentRpc.GetTask, e.Message);
        Assert.Contains("database unavailable", e.Message);
    }

    [Fact]
    public async Task A_refused_connection_is_an_HttpRequestException()
    {
        var node = new Uri($"http://127.0.0.1:{StubHttpServer.FreePort()}/");
        using var connection = AgentHttp.Create(node, Token);
        await Assert.ThrowsAsync<HttpRequestException>(() => connection.GetTaskAsync("a/0", ExecuteProve, CancellationToken.None));
    }

    [Fact]
    public async Task A_call_without_an_answer_in_time_is_a_TimeoutException()
    {
        using var server = new StubHttpServer(r => Result(r, "null") with { Delay = TimeSpan.FromSeconds(2) });
        using var connection = Connect(server, callTimeout: TimeSpan.FromMilliseconds(200));
        var e = await Assert.ThrowsAsync<TimeoutException>(() => connection.GetTaskAsync("a/0", ExecuteProve, CancellationToken.None));
        Assert.Contains(AgentRpc.GetTask, e.Message);
    }

    [Theory]
    [InlineData("<html>bad gateway</html>", "not a JSON-RPC 2.0 response")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":999999,\"result\":null}", "does not match")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"taskId\":5}}", "not a ClaimedTask")]
    public async Task Malformed_answers_are_refused_with_a_clear_message(string body, string expected)
    {
        using var server = new StubHttpServer(_ => StubResponse.Json(200, body));
        using var connection = Connect(server);
        var e = await Assert.ThrowsAsync<BrokerRpcException>(() => connection.GetTaskAsync("a/0", ExecuteProve, CancellationToken.None));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task A_node_under_a_path_prefix_is_addressed_below_it()
    {
        using var server = new StubHttpServer(r => Result(r, "null"));
        using var connection = AgentHttp.Create(new Uri(server.BaseAddress, "cluster-a"), Token);
        await connection.GetTaskAsync("a/0", ExecuteProve, CancellationToken.None);
        Assert.Equal("/cluster-a" + AgentRpc.Path, Assert.Single(server.Requests).Path);
    }

    [Theory]
    [InlineData("ftp://node:21/", "tok")]
    [InlineData("http://127.0.0.1:8547/", "")]
    [InlineData("http://127.0.0.1:8547/", "two words")]
    public void Bad_addresses_and_tokens_are_refused_up_front(string url, string token)
    {
        Assert.Throws<ArgumentException>(() => AgentHttp.Create(new Uri(url), token));
    }

    [Fact]
    public async Task An_agent_runs_tasks_over_http_and_rides_out_a_node_outage()
    {
        var task = ScriptedBrokerConnection.NewTask(TaskType.Prove, 0);
        int calls = 0;
        var handed = 0;
        var reports = new ConcurrentQueue<string>();
        using var server = new StubHttpServer(r =>
        {
            if (Interlocked.Increment(ref calls) <= 2) return StubResponse.Text(503, "restarting");
            using var doc = JsonDocument.Parse(r.BodyText);
            string method = doc.RootElement.GetProperty("method").GetString()!;
            if (method == AgentRpc.ReportSuccess) reports.Enqueue(doc.RootElement.GetProperty("params").GetProperty("output").GetString()!);
            bool give = method == AgentRpc.GetTask && Interlocked.Exchange(ref handed, 1) == 0;
            return Result(r, give ? ClusterJson.Serialize(task) : "null");
        });
        using var connection = AgentHttp.Create(server.BaseAddress, Token);
        var log = new ConcurrentQueue<string>();
        var agent = new ProvingAgent(connection, ScriptedRunner.Succeeding,
            new AgentOptions { Name = "remote", PollInterval = TimeSpan.FromMilliseconds(20), MaxReconnectDelay = TimeSpan.FromMilliseconds(300) }, log.Enqueue);
        using var cts = new CancellationTokenSource();
        var run = agent.RunAsync(cts.Token);
        var deadline = DateTime.UtcNow.AddSeconds(60); // a hang guard: the report comes within a second on any machine
        while (reports.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(10);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ScriptedRunner.Output(task), Assert.Single(reports));
        Assert.Equal(1, agent.Completed);
        Assert.Contains(log, l => l.Contains("cannot reach the node", StringComparison.Ordinal) && l.Contains("503", StringComparison.Ordinal));
    }
}
