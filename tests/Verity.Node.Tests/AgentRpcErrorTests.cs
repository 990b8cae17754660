using System.Text.Json;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Node.Tests;

/// <summary>JSON-RPC requests the node must refuse with the right error code; they change nothing, so they share a node.</summary>
public sealed class AgentRpcErrorTests(SharedNode shared) : IClassFixture<SharedNode>
{
    private static void AssertError(JsonElement response, int code, string messagePart) => AgentRpcTests.AssertError(response, code, messagePart);

    [Theory]
    [InlineData("{oops")]
    [InlineData("")]
    [InlineData("\"unterminated")]
    public async Task Garbage_is_a_parse_error(string body)
    {
        var node = shared.Node;
        var (status, response) = await node.RpcAsync(body);
        Assert.Equal(400, status);
        AssertError(response, AgentRpc.ParseError, "parse error");
        Assert.Equal(JsonValueKind.Null, response.GetProperty("id").ValueKind);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"1.0","id":1,"method":"verity_getTask"}""", "jsonrpc must be \"2.0\"")]
    [InlineData("""{"id":1,"method":"verity_getTask"}""", "jsonrpc must be \"2.0\"")]
    [InlineData("""{"jsonrpc":"2.0","method":"verity_getTask","params":{"agentId":"a"}}""", "notifications are not supported")]
    [InlineData("""{"jsonrpc":"2.0","id":{"x":1},"method":"verity_getTask"}""", "id must be a string, a number or null")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":5}""", "method must be a string")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"verity_getTask","params":3}""", "params must be an object")]
    [InlineData("42", "expected a JSON object, got a number")]
    [InlineData("[]", "the batch is empty")]
    public async Task Malformed_request_is_invalid_request(string body, string message)
    {
        var node = shared.Node;
        var (status, response) = await node.RpcAsync(body);
        Assert.Equal(400, status);
        AssertError(response, AgentRpc.InvalidRequest, message);
    }

    [Fact]
    public async Task Unknown_method_is_method_not_found_with_the_id_echoed()
    {
        var node = shared.Node;
        var (status, response) = await node.RpcAsync("""{"jsonrpc":"2.0","id":"abc","method":"verity_stealTask","params":{}}""");
        Assert.Equal(400, status);
        AssertError(response, AgentRpc.MethodNotFound, "unknown method 'verity_stealTask' (known: verity_getTask, ");
        Assert.Equal("abc", response.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("verity_getTask", """{"agentId":""}""", "agentId must be 1 to 200 characters")]
    [InlineData("verity_getTask", """{}""", "agentId must be 1 to 200 characters")]
    [InlineData("verity_getTask", """{"agentId":"a","types":["execute","verify"]}""", "at $.types[1] (expected execute, prove or finalize)")]
    [InlineData("verity_getTask", """{"agentId":"a","types":"prove"}""", "at $.types")]
    [InlineData("verity_getTask", """["a"]""", "params must be an object (named params)")]
    [InlineData("verity_heartbeat", """{"agentId":"a"}""", "lease is required")]
    [InlineData("verity_heartbeat", """{"agentId":"a","lease":{"leaseId":1,"startedMs":1}}""", "lease.taskId is required")]
    [InlineData("verity_heartbeat", """{"agentId":"a","lease":{"taskId":"nope","leaseId":1,"startedMs":1}}""", "'nope' is not a task id")]
    [InlineData("verity_heartbeat", """{"agentId":"a","lease":{"taskId":"TASK","leaseId":1,"startedMs":1},"progress":2}""", "progress 2 is outside [0, 1]")]
    [InlineData("verity_heartbeat", """{"agentId":"a","lease":{"taskId":"TASK","leaseId":"x","startedMs":1}}""", "a value of the wrong type at $.lease.leaseId")]
    [InlineData("verity_reportSuccess", """{"agentId":"a"}""", "lease is required")]
    [InlineData("verity_reportError", """{"agentId":"a","error":"boom"}""", "lease is required")]
    [InlineData("verity_reportError", """{"agentId":"a","lease":{"taskId":"TASK","leaseId":1,"startedMs":1},"retry":"yes"}""", "at $.retry (expected true or false)")]
    public async Task Bad_params_are_invalid_params(string method, string parameters, string message)
    {
        var node = shared.Node;
        string taskId = TaskIds.TaskId(TaskIds.NewJobId(), TaskType.Prove, 0);
        var (status, response) = await node.RpcAsync($$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parameters.Replace("TASK", taskId)}}}""");
        Assert.Equal(400, status);
        AssertError(response, AgentRpc.InvalidParams, message);
    }
}
