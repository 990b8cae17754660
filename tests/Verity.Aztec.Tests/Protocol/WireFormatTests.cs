using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Verity.Aztec.Protocol;
using Verity.Aztec.Tests.Infrastructure;

namespace Verity.Aztec.Tests.Protocol;

/// <summary>
/// The endpoint's HTTP and JSON-RPC envelope, checked against the shapes Aztec's 4.1.2 server sends
/// (<c>safe_json_rpc_server.ts</c>): batches, errors and their codes, gzip bodies, limits, the source filter, /status.
/// </summary>
public sealed class WireFormatTests : IAsyncLifetime
{
    private AztecTestNode _node = null!;

    public async Task InitializeAsync() => _node = await AztecTestNode.StartAsync(configure: o => o with { MaxBodyBytes = 2 << 20, MaxBatchSize = 5 });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private AztecRpc Rpc => _node.Rpc;

    [Fact]
    public async Task A_batch_is_answered_200_in_order_with_per_item_errors_and_matching_ids()
    {
        string body = """
            [{"jsonrpc":"2.0","id":"x1","method":"proverBroker_getProvingJobStatus","params":["nope"]},
             {"jsonrpc":"2.0","id":2,"method":"proverBroker_noSuchMethod","params":[]},
             {"jsonrpc":"2.0","id":3,"method":"proverBroker_getProvingJobStatus","params":[42]},
             17,
             {"jsonrpc":"2.0","id":5,"method":"provingJobConsumer_getProvingJob"}]
            """;
        var (status, text) = await Rpc.PostAsync(body);
        Assert.Equal(HttpStatusCode.OK, status);
        var replies = JsonNode.Parse(text)!.AsArray();
        Assert.Equal(5, replies.Count);
        Assert.Equal("x1", (string)replies[0]!["id"]!);
        Assert.Equal("not-found", (string)replies[0]!["result"]!["status"]!);
        Assert.Equal(2, (int)replies[1]!["id"]!);
        Assert.Equal(RpcError.MethodNotFound, (int)replies[1]!["error"]!["code"]!);
        Assert.Equal("Method not found: proverBroker_noSuchMethod", (string)replies[1]!["error"]!["message"]!);
        Assert.Equal(RpcError.InvalidParams, (int)replies[2]!["error"]!["code"]!);
        Assert.Null(replies[3]!["id"]);
        Assert.Equal(RpcError.InvalidRequest, (int)replies[3]!["error"]!["code"]!);
        Assert.Equal(5, (int)replies[4]!["id"]!);
        Assert.False(replies[4]!.AsObject().ContainsKey("result")); // no job: no result member, as Aztec's server
        Assert.False(replies[4]!.AsObject().ContainsKey("error"));
    }

    [Theory]
    [InlineData("[]", HttpStatusCode.BadRequest, RpcError.InvalidRequest, "Invalid Request")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,", HttpStatusCode.BadRequest, RpcError.ParseError, "Parse error")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"proverBroker_cancelProvingJob\"}", HttpStatusCode.BadRequest, RpcError.InvalidParams, "Required (0)")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"proverBroker_cancelProvingJob\",\"params\":{\"id\":\"a\"}}", HttpStatusCode.BadRequest, RpcError.CallFailed, "not an array")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}", HttpStatusCode.BadRequest, RpcError.InvalidRequest, "Invalid request")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"other_getProvingJob\"}", HttpStatusCode.BadRequest, RpcError.MethodNotFound, "Method not found")]
    [InlineData("[1,2,3,4,5,6]", HttpStatusCode.BadRequest, RpcError.InvalidRequest, "maximum allowed size of 5")]
    public async Task Failed_requests_get_Aztec_s_codes_and_a_400(string body, HttpStatusCode expectedStatus, int code, string message)
    {
        var (status, text) = await Rpc.PostAsync(body);
        Assert.Equal(expectedStatus, status);
        var reply = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("2.0", (string)reply["jsonrpc"]!);
        Assert.Equal(code, (int)reply["error"]!["code"]!);
        Assert.Contains(message, (string)reply["error"]!["message"]!);
    }

    [Fact]
    public async Task A_single_successful_request_is_answered_200_with_an_object()
    {
        var (status, text) = await Rpc.PostAsync("""{"jsonrpc":"2.0","id":9,"method":"provingJobProducer_getProvingJobStatus","params":["a"]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("not-found", (string)JsonNode.Parse(text)!["result"]!["status"]!);
    }

    [Theory]
    [InlineData("""[{"id":"a","type":18,"epochNumber":1,"inputsUri":"x"}]""", "(0.type)")]
    [InlineData("""[{"id":"a","type":"0","epochNumber":1,"inputsUri":"x"}]""", "(0.type)")]
    [InlineData("""[{"id":"a","type":0,"epochNumber":-1,"inputsUri":"x"}]""", "(0.epochNumber)")]
    [InlineData("""[{"id":"a","type":0,"epochNumber":1.5,"inputsUri":"x"}]""", "(0.epochNumber)")]
    [InlineData("""[{"id":"a","type":0,"epochNumber":1}]""", "(0.inputsUri)")]
    [InlineData("""[{"id":7,"type":0,"epochNumber":1,"inputsUri":"x"}]""", "(0.id)")]
    [InlineData("""[{"id":"a","type":0,"epochNumber":1,"inputsUri":"x"}, 1]""", "at most 1")]
    public async Task EnqueueProvingJob_params_that_Aztec_s_schema_refuses_are_minus_32701_naming_the_field(string @params, string where)
    {
        var (status, text) = await Rpc.PostAsync($$"""[{"jsonrpc":"2.0","id":1,"method":"proverBroker_enqueueProvingJob","params":{{@params}}}]""");
        Assert.Equal(HttpStatusCode.OK, status);
        var error = JsonNode.Parse(text)![0]!["error"]!;
        Assert.Equal(RpcError.InvalidParams, (int)error["code"]!);
        Assert.Contains(where, (string)error["message"]!);
        Assert.Equal("not-found", (string)(await Rpc.StatusAsync("a"))["status"]!);
    }

    [Fact]
    public async Task An_epoch_given_as_a_decimal_string_is_accepted_as_Aztec_s_schema_coerces_it()
    {
        Assert.Equal("not-found", (string)(await Rpc.CallAsync("enqueueProvingJob", new JsonObject
        {
            ["id"] = "s", ["type"] = 16, ["epochNumber"] = "3", ["inputsUri"] = "data:x",
        }))!["status"]!);
        Assert.Equal(3, (long)(await Rpc.CallAsync("getProvingJob"))!["job"]!["epochNumber"]!);
    }

    [Fact]
    public async Task Filters_with_unknown_types_or_no_allow_list_are_refused()
    {
        Assert.Equal(RpcError.InvalidParams, (await Rpc.ErrorAsync("getProvingJob", new { allowList = new[] { 99 } })).Code);
        Assert.Equal(RpcError.InvalidParams, (await Rpc.ErrorAsync("getProvingJob", new { other = 1 })).Code);
        Assert.Equal(RpcError.InvalidParams, (await Rpc.ErrorAsync("reportProvingJobProgress", "a")).Code); // startedAt missing
        Assert.Equal(RpcError.InvalidParams, (await Rpc.ErrorAsync("reportProvingJobError", "a", "e", "yes")).Code); // retry not boolean
        Assert.Null(await Rpc.CallAsync("getProvingJob", (object?)null)); // a null filter is no filter
    }

    [Fact]
    public async Task Gzip_bodies_are_accepted_and_a_large_inline_input_round_trips_unchanged()
    {
        string inputs = "data:application/json;charset=utf-8," + Uri.EscapeDataString(new string('7', 600_000) + "\"ü€");
        var job = AztecRpc.Job("big", 0, 1, inputs);
        var request = new JsonArray(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "proverBroker_enqueueProvingJob", ["params"] = new JsonArray(job) });
        var (status, text) = await Rpc.PostAsync(request.ToJsonString(), gzip: true);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("not-found", (string)JsonNode.Parse(text)![0]!["result"]!["status"]!);
        var offer = await Rpc.CallAsync("getProvingJob");
        Assert.Equal(inputs, (string)offer!["job"]!["inputsUri"]!);
    }

    [Fact]
    public async Task Bodies_over_the_limit_compressed_or_expanded_and_bad_encodings_are_refused()
    {
        string huge = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"proverBroker_getProvingJobStatus\",\"params\":[\"" + new string('a', 3 << 20) + "\"]}]";
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await Rpc.PostBytesAsync(Encoding.UTF8.GetBytes(huge), expectContinue: true)).Status);
        // A small gzip body that expands past the limit (a "zip bomb") is refused too.
        var (status, text) = await Rpc.PostAsync(huge, gzip: true);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("once decompressed", text);
        Assert.Equal(HttpStatusCode.BadRequest, (await Rpc.PostBytesAsync(Encoding.UTF8.GetBytes("not gzip"), "gzip")).Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Rpc.PostAsync("[]", encoding: "br")).Status);
        Assert.Equal(HttpStatusCode.OK, await Rpc.GetStatusAsync()); // still serving
    }

    [Fact]
    public async Task Status_answers_200_and_other_methods_are_refused()
    {
        Assert.Equal(HttpStatusCode.OK, await Rpc.GetStatusAsync());
        using var http = new HttpClient();
        using var response = await http.GetAsync(_node.Address);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Any_path_is_served_as_Aztec_s_client_posts_to_the_url_as_configured()
    {
        var rpc = new AztecRpc(new Uri(_node.Address, "/some/prefix"));
        Assert.Equal("not-found", (string)(await rpc.StatusAsync("x"))["status"]!);
    }
}

/// <summary>Node:Aztec:AllowFrom: a source outside the allowed networks is refused before its body is read.</summary>
public sealed class SourceFilterTests
{
    [Fact]
    public async Task A_source_outside_AllowFrom_gets_403_and_changes_nothing()
    {
        await using var node = await AztecTestNode.StartAsync(configure: o => o with { AllowFrom = ["10.0.0.0/8"] });
        var (status, text) = await node.Rpc.PostAsync("""[{"jsonrpc":"2.0","id":1,"method":"proverBroker_enqueueProvingJob","params":[{"id":"a","type":0,"epochNumber":1,"inputsUri":"x"}]}]""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("AllowFrom", text);
        var jobs = await node.Node.Aztec!.Broker.ListAsync(null, 10);
        Assert.Empty(jobs);
    }

    [Fact]
    public void Entries_are_CIDR_blocks_or_the_named_sets()
    {
        var networks = Verity.Aztec.Server.SourceNetworks.Parse(["loopback", "192.168.1.0/24"]);
        Assert.True(networks.Allows(IPAddress.Parse("127.0.0.1")));
        Assert.True(networks.Allows(IPAddress.Parse("::ffff:127.0.0.1"))); // IPv4-mapped
        Assert.True(networks.Allows(IPAddress.Parse("192.168.1.77")));
        Assert.False(networks.Allows(IPAddress.Parse("192.168.2.1")));
        Assert.False(networks.Allows(IPAddress.Parse("8.8.8.8")));
        Assert.False(networks.Allows(null));
        var @private = Verity.Aztec.Server.SourceNetworks.Parse(["private"]);
        Assert.True(@private.Allows(IPAddress.Parse("10.1.2.3")));
        Assert.True(@private.Allows(IPAddress.Parse("fd00::1")));
        Assert.False(@private.Allows(IPAddress.Parse("1.1.1.1")));
        Assert.Throws<ArgumentException>(() => Verity.Aztec.Server.SourceNetworks.Parse(["10.0.0.0/33"]));
        Assert.Throws<ArgumentException>(() => Verity.Aztec.Server.SourceNetworks.Parse(["everyone"]));
    }
}
