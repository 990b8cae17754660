using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Verity.Aztec.Tests.Infrastructure;

/// <summary>
/// A plain JSON-RPC client for the Aztec endpoint, so a failing test names the method: calls are sent as Aztec's
/// client sends them (a batch of one, namespace proverBroker, positional params) and raw bodies can be posted too.
/// </summary>
internal sealed class AztecRpc(Uri address)
{
    // A body sent with Expect: 100-continue waits for the server's go-ahead however loaded the machine is.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(2) })
    {
        Timeout = TimeSpan.FromMinutes(3),
    };

    public const string Namespace = "proverBroker";

    /// <summary>Calls <paramref name="method"/> and returns its result (null when the reply has none); throws on an error reply.</summary>
    public async Task<JsonNode?> CallAsync(string method, params object?[] args)
    {
        var reply = await CallRawAsync(method, args);
        if (reply["error"] is { } error) throw new RpcErrorException(method, (int)error["code"]!, (string)error["message"]!);
        return reply["result"];
    }

    /// <summary>Calls <paramref name="method"/> expecting an error; returns (code, message).</summary>
    public async Task<(int Code, string Message)> ErrorAsync(string method, params object?[] args)
    {
        var reply = await CallRawAsync(method, args);
        var error = reply["error"] ?? throw new Xunit.Sdk.XunitException($"{method}: expected an error, got {reply.ToJsonString()}");
        return ((int)error["code"]!, (string)error["message"]!);
    }

    /// <summary>One call as a batch of one; the reply object.</summary>
    public async Task<JsonObject> CallRawAsync(string method, object?[] args)
    {
        var request = new JsonArray(new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 7,
            ["method"] = method.Contains('_') ? method : $"{Namespace}_{method}",
            ["params"] = JsonSerializer.SerializeToNode(args),
        });
        var (status, body) = await PostAsync(request.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, $"{method}: HTTP {(int)status}: {body}");
        var replies = JsonNode.Parse(body)!.AsArray();
        Assert.Single(replies);
        Assert.Equal(7, (int)replies[0]!["id"]!);
        return replies[0]!.AsObject();
    }

    /// <summary>Posts a raw body (gzip-compressed when asked); returns the status and the body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostAsync(string json, bool gzip = false, string? encoding = null)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        if (gzip)
        {
            using var buffer = new MemoryStream();
            using (var z = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) z.Write(bytes);
            bytes = buffer.ToArray();
        }
        return await PostBytesAsync(bytes, gzip ? "gzip" : encoding);
    }

    /// <param name="expectContinue">Send the headers first and the body only after 100 Continue: a body the server
    /// refuses by its length is then never sent, so the refusal is read rather than racing a reset connection.</param>
    public async Task<(HttpStatusCode Status, string Body)> PostBytesAsync(byte[] bytes, string? encoding = null, bool expectContinue = false)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (encoding != null) content.Headers.ContentEncoding.Add(encoding);
        using var request = new HttpRequestMessage(HttpMethod.Post, address) { Content = content };
        request.Headers.ExpectContinue = expectContinue;
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<HttpStatusCode> GetStatusAsync()
    {
        using var response = await Http.GetAsync(new Uri(address, "/status"));
        return response.StatusCode;
    }

    // ---- the protocol's calls, typed loosely ----------------------------------------------------------------------

    public static JsonObject Job(string id, int type, long epoch, string inputsUri = "data:application/json,{}") =>
        new() { ["id"] = id, ["type"] = type, ["epochNumber"] = epoch, ["inputsUri"] = inputsUri };

    public async Task<string> EnqueueAsync(JsonObject job) => (string)(await CallAsync("enqueueProvingJob", job))!["status"]!;

    public async Task<JsonNode> StatusAsync(string id) => (await CallAsync("getProvingJobStatus", id))!;

    /// <summary>getProvingJob: (id, time) of the job handed out, or null.</summary>
    public async Task<(string Id, long Time)?> TakeAsync(params int[] allowList) =>
        Offer(await CallAsync("getProvingJob", new { allowList }));

    /// <summary>getCompletedJobs(ids).</summary>
    public async Task<List<string>> CompletedAsync(params string[] ids) =>
        [.. (await CallAsync("getCompletedJobs", new object?[] { ids }))!.AsArray().Select(n => (string)n!)];

    public static (string Id, long Time)? Offer(JsonNode? result) =>
        result is null ? null : ((string)result["job"]!["id"]!, (long)result["time"]!);
}

internal sealed class RpcErrorException(string method, int code, string message) : Exception($"{method}: error {code}: {message}")
{
    public int Code { get; } = code;
    public string RpcMessage { get; } = message;
}
