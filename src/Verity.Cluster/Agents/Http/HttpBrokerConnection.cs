using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cluster.Agents.Http;

/// <summary>
/// <see cref="IBrokerConnection"/> over the node's JSON-RPC 2.0 endpoint (<see cref="AgentRpc"/>), for agents on other
/// machines. Failure mapping, which drives <see cref="ProvingAgent"/>'s reconnect backoff: connection errors, 5xx,
/// 408 and 429 answers surface as <see cref="HttpRequestException"/> and a call without an answer within the call
/// timeout as <see cref="TimeoutException"/> (both retried with backoff); JSON-RPC errors, other 4xx answers and
/// malformed responses as <see cref="BrokerRpcException"/> (not retried: the same call would fail again).
/// </summary>
public sealed class HttpBrokerConnection : IBrokerConnection, IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsClient;
    private readonly Uri _node;
    private readonly Uri _rpc;
    private readonly AuthenticationHeaderValue _auth;
    private readonly TimeSpan _callTimeout;
    private long _nextId;

    /// <param name="http">The client to send with (its own timeout should be infinite: calls are timed here).</param>
    /// <param name="node">The node's base address.</param>
    /// <param name="token">The agent token (sent as <c>Authorization: Bearer</c>).</param>
    /// <param name="blobs">Blob access for the agent's runners (usually an <see cref="HttpBlobStore"/> on the same node).</param>
    /// <param name="callTimeout">Longest wait for one call's answer (default 30 s).</param>
    /// <param name="ownsClient">Whether <see cref="Dispose"/> disposes <paramref name="http"/>.</param>
    public HttpBrokerConnection(HttpClient http, Uri node, string token, IBlobStore blobs, TimeSpan? callTimeout = null, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(blobs);
        _http = http;
        _ownsClient = ownsClient;
        _node = NodeAddress.Normalize(node);
        _rpc = NodeAddress.Combine(_node, AgentRpc.Path);
        _auth = AgentHttp.BearerToken(token);
        _callTimeout = callTimeout ?? TimeSpan.FromSeconds(30);
        if (_callTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(callTimeout), "the call timeout must be positive");
        Blobs = blobs;
    }

    public IBlobStore Blobs { get; }

    public IBlobStore BlobsFor(ClaimedTask task) => Blobs is HttpBlobStore http ? http.ForTask(task.TaskId, task.Lease.LeaseId) : Blobs;

    /// <summary>The node's base address.</summary>
    public Uri Node => _node;

    public Task<ClaimedTask?> GetTaskAsync(string agentId, IReadOnlyList<TaskType> allowed, CancellationToken ct) =>
        CallAsync<ClaimedTask>(AgentRpc.GetTask, new GetTaskParams { AgentId = agentId, Types = allowed }, ct);

    public async Task<HeartbeatReply> HeartbeatAsync(string agentId, TaskLease lease, double? progress, IReadOnlyList<TaskType> allowed, CancellationToken ct)
    {
        var result = await CallAsync<HeartbeatResult>(AgentRpc.Heartbeat,
            new HeartbeatParams { AgentId = agentId, Lease = lease, Progress = progress, Types = allowed }, ct).ConfigureAwait(false)
            ?? throw new BrokerRpcException(AgentRpc.Heartbeat, 200, null, "the node answered with a null result (expected the lease status)");
        return new HeartbeatReply(result.Status, result.Next);
    }

    public Task<ClaimedTask?> ReportSuccessAsync(string agentId, TaskLease lease, string outputJson, IReadOnlyList<TaskType> allowed, CancellationToken ct) =>
        CallAsync<ClaimedTask>(AgentRpc.ReportSuccess,
            new ReportSuccessParams { AgentId = agentId, Lease = lease, Output = outputJson, Types = allowed }, ct);

    public Task<ClaimedTask?> ReportErrorAsync(string agentId, TaskLease lease, string error, bool retry, IReadOnlyList<TaskType> allowed, CancellationToken ct, bool wantNext = true,
        IReadOnlyList<TaskRef>? redo = null) =>
        CallAsync<ClaimedTask>(AgentRpc.ReportError,
            new ReportErrorParams { AgentId = agentId, Lease = lease, Error = error, Retry = retry, Types = allowed, WantNext = wantNext, Redo = redo }, ct);

    /// <summary>One JSON-RPC call with named params; returns the result (null for a JSON null).</summary>
    private async Task<T?> CallAsync<T>(string method, object parameters, CancellationToken ct) where T : class
    {
        long id = Interlocked.Increment(ref _nextId);
        var request = new RpcRequest
        {
            Id = JsonSerializer.SerializeToElement(id),
            Method = method,
            Params = JsonSerializer.SerializeToElement(parameters, parameters.GetType(), ClusterJson.Options),
        };
        using var message = new HttpRequestMessage(HttpMethod.Post, _rpc)
        {
            Content = new StringContent(ClusterJson.Serialize(request), Encoding.UTF8, "application/json"),
        };
        message.Headers.Authorization = _auth;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_callTimeout);
        int status;
        string body;
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (status >= 500 || status is 408 or 429)
                throw new HttpRequestException($"{method}: the node at {_node} answered {status} {response.ReasonPhrase}{Detail(body)}", null, response.StatusCode);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{method}: the node at {_node} did not answer within {_callTimeout.TotalSeconds:0.#} s");
        }

        if (status == (int)HttpStatusCode.Unauthorized)
            throw new BrokerRpcException(method, status, null, "the node refused the agent token (check --token or VERITY_AGENT_TOKEN)");
        RpcResponse? response2 = TryParse(body);
        if (response2?.Error is { } error) throw new BrokerRpcException(method, status, error.Code, error.Message);
        if (status is < 200 or > 299)
            throw new BrokerRpcException(method, status, null, $"the node answered HTTP {status}{Detail(body)}");
        if (response2 == null || response2.Jsonrpc != "2.0")
            throw new BrokerRpcException(method, status, null, $"the answer is not a JSON-RPC 2.0 response{Detail(body)}");
        if (response2.Id is not { ValueKind: JsonValueKind.Number } rid || !rid.TryGetInt64(out long got) || got != id)
            throw new BrokerRpcException(method, status, null, $"the answer's id {response2.Id?.GetRawText() ?? "(none)"} does not match the request's id {id}");
        if (response2.Result is not { } result || result.ValueKind == JsonValueKind.Null) return null;
        try
        {
            return result.Deserialize<T>(ClusterJson.Options);
        }
        catch (JsonException e)
        {
            throw new BrokerRpcException(method, status, null, $"the result is not a {typeof(T).Name}: {e.Message}");
        }
    }

    private static RpcResponse? TryParse(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try { return JsonSerializer.Deserialize<RpcResponse>(body, ClusterJson.Options); }
        catch (JsonException) { return null; }
    }

    /// <summary>A short excerpt of an unexpected answer's body, for error messages.</summary>
    internal static string Detail(string body)
    {
        body = body.Trim();
        if (body.Length == 0) return "";
        return ": " + (body.Length > 300 ? body[..300] + "…" : body);
    }

    public void Dispose()
    {
        if (_ownsClient) _http.Dispose();
    }
}
