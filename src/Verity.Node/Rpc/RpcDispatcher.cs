using System.Text.Json;
using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Node.Api;
using Verity.Node.Hosting;

namespace Verity.Node.Rpc;

/// <summary>
/// JSON-RPC 2.0 over one HTTP POST (<see cref="AgentRpc"/>): a request or a batch (array) of requests with named
/// params, dispatched to the <see cref="ProvingBroker"/>. A single request that fails gets HTTP 400 (parse error,
/// invalid request, unknown method, bad params) or 500 (the node failed) with the JSON-RPC error; a batch gets 200
/// with one response per request, in order. Notifications (no id) are refused: every method hands out or reports
/// a task, and an answer nobody reads would strand it.
/// </summary>
internal sealed class RpcDispatcher(ProvingBroker broker, ILogger<RpcDispatcher> log, NodeHealth health)
{
    /// <summary>Most requests in one batch.</summary>
    public const int MaxBatch = 64;

    private static readonly JsonElement NullId = JsonDocument.Parse("null").RootElement.Clone();

    private static readonly string[] Methods = [AgentRpc.GetTask, AgentRpc.Heartbeat, AgentRpc.ReportSuccess, AgentRpc.ReportError];

    /// <param name="identity">Who sent it: a per-agent credential may act only as agent ids "&lt;name&gt;/…".</param>
    public async Task<IResult> DispatchAsync(ReadOnlyMemory<byte> body, AgentIdentity identity, CancellationToken ct)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(body); }
        catch (JsonException e)
        {
            return ErrorResult(StatusCodes.Status400BadRequest, AgentRpc.ParseError, $"parse error: {JsonErrors.Describe(e)}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                var response = await HandleAsync(root, identity, ct).ConfigureAwait(false);
                return Result(response.Error == null ? StatusCodes.Status200OK : HttpStatus(response.Error.Code), response);
            }
            int count = root.GetArrayLength();
            if (count == 0) return ErrorResult(StatusCodes.Status400BadRequest, AgentRpc.InvalidRequest, "invalid request: the batch is empty");
            if (count > MaxBatch) return ErrorResult(StatusCodes.Status400BadRequest, AgentRpc.InvalidRequest, $"invalid request: a batch of {count} requests; the limit is {MaxBatch}");
            var responses = new List<RpcResponse>(count);
            foreach (var request in root.EnumerateArray()) responses.Add(await HandleAsync(request, identity, ct).ConfigureAwait(false));
            return Result(StatusCodes.Status200OK, responses);
        }
    }

    /// <summary>A response carrying only an error (no id could be read), as an HTTP result.</summary>
    public static IResult ErrorResult(int httpStatus, int code, string message) =>
        Result(httpStatus, new RpcResponse { Id = NullId, Error = new RpcError(code, message) });

    private static IResult Result<T>(int httpStatus, T body) => ApiResults.Json(body, httpStatus);

    private static int HttpStatus(int code) => code switch
    {
        AgentRpc.ServerError => StatusCodes.Status500InternalServerError,
        AgentRpc.Forbidden => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status400BadRequest,
    };

    private async Task<RpcResponse> HandleAsync(JsonElement request, AgentIdentity identity, CancellationToken ct)
    {
        JsonElement id = NullId;
        try
        {
            if (request.ValueKind != JsonValueKind.Object) throw new RpcFault(AgentRpc.InvalidRequest, $"invalid request: expected a JSON object, got {Kind(request)}");
            if (!request.TryGetProperty("id", out var idValue))
                throw new RpcFault(AgentRpc.InvalidRequest, "invalid request: no id (notifications are not supported: every method answers)");
            if (idValue.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
                throw new RpcFault(AgentRpc.InvalidRequest, $"invalid request: id must be a string, a number or null, got {Kind(idValue)}");
            id = idValue.Clone();
            if (!request.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
                throw new RpcFault(AgentRpc.InvalidRequest, "invalid request: jsonrpc must be \"2.0\"");
            if (!request.TryGetProperty("method", out var methodValue) || methodValue.ValueKind != JsonValueKind.String)
                throw new RpcFault(AgentRpc.InvalidRequest, "invalid request: method must be a string");
            string method = methodValue.GetString()!;
            JsonElement parameters = default;
            if (request.TryGetProperty("params", out var p))
            {
                if (p.ValueKind == JsonValueKind.Array)
                    throw new RpcFault(AgentRpc.InvalidParams, $"invalid params for {method}: params must be an object (named params), not an array");
                if (p.ValueKind != JsonValueKind.Object)
                    throw new RpcFault(AgentRpc.InvalidRequest, $"invalid request: params must be an object, got {Kind(p)}");
                parameters = p;
            }
            object? result = await InvokeAsync(method, parameters, identity, ct).ConfigureAwait(false);
            return new RpcResponse { Id = id, Result = JsonSerializer.SerializeToElement(result, ClusterJson.Options) };
        }
        catch (RpcFault fault)
        {
            return new RpcResponse { Id = id, Error = new RpcError(fault.Code, fault.Message) };
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            log.LogError(e, "agent RPC failed");
            health.StoreFailed(e);
            // A full disk is named without the OS message (it carries a server path); the agent retries the call.
            string message = StorageFaults.IsDiskFull(e) ? StorageFaults.DiskFullMessage : e.Message;
            return new RpcResponse { Id = id, Error = new RpcError(AgentRpc.ServerError, $"the node failed: {message}") };
        }
    }

    private async Task<object?> InvokeAsync(string method, JsonElement parameters, AgentIdentity identity, CancellationToken ct)
    {
        switch (method)
        {
            case AgentRpc.GetTask:
            {
                var p = Params<GetTaskParams>(method, parameters);
                Bind(method, identity, p.AgentId);
                return await Broker(method, () => broker.GetTaskAsync(p.AgentId, Types(p.Types), ct)).ConfigureAwait(false);
            }
            case AgentRpc.Heartbeat:
            {
                var p = Params<HeartbeatParams>(method, parameters);
                Bind(method, identity, p.AgentId);
                var lease = RequireLease(method, p.Lease);
                var reply = await Broker(method, () => broker.HeartbeatAsync(p.AgentId, lease, p.Progress, Types(p.Types), ct)).ConfigureAwait(false);
                return new HeartbeatResult { Status = reply.Status, Next = reply.Next };
            }
            case AgentRpc.ReportSuccess:
            {
                var p = Params<ReportSuccessParams>(method, parameters);
                Bind(method, identity, p.AgentId);
                var lease = RequireLease(method, p.Lease);
                if (p.Output == null) throw new RpcFault(AgentRpc.InvalidParams, $"invalid params for {method}: output is required");
                return await Broker(method, () => broker.ReportSuccessAsync(p.AgentId, lease, p.Output, Types(p.Types), ct)).ConfigureAwait(false);
            }
            case AgentRpc.ReportError:
            {
                var p = Params<ReportErrorParams>(method, parameters);
                Bind(method, identity, p.AgentId);
                var lease = RequireLease(method, p.Lease);
                return await Broker(method, () => broker.ReportErrorAsync(p.AgentId, lease, p.Error ?? "", p.Retry, Types(p.Types), ct, p.WantNext, p.Redo)).ConfigureAwait(false);
            }
            default:
                throw new RpcFault(AgentRpc.MethodNotFound, $"unknown method '{method}' (known: {string.Join(", ", Methods)})");
        }
    }

    /// <summary>Runs a broker call, turning its argument checks (bad agent id, lease, progress) into invalid-params errors.</summary>
    private static async Task<T> Broker<T>(string method, Func<Task<T>> call)
    {
        try { return await call().ConfigureAwait(false); }
        catch (ArgumentException e)
        {
            string message = e.ParamName != null ? e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal) : e.Message;
            throw new RpcFault(AgentRpc.InvalidParams, $"invalid params for {method}: {message}");
        }
    }

    /// <summary>A per-agent token acts only as its own agents: ids "&lt;name&gt;/…".</summary>
    private static void Bind(string method, AgentIdentity identity, string? agentId)
    {
        if (!identity.MayActAs(agentId))
            throw new RpcFault(AgentRpc.Forbidden, $"{method}: the token of agent '{identity.Name}' may not act as agent id '{agentId}' (its agent ids start with '{identity.Name}/')");
    }

    private static T Params<T>(string method, JsonElement parameters) where T : new()
    {
        if (parameters.ValueKind == JsonValueKind.Undefined) return new T();
        try { return parameters.Deserialize<T>(ClusterJson.Options) ?? new T(); }
        catch (JsonException e) { throw new RpcFault(AgentRpc.InvalidParams, $"invalid params for {method}: {JsonErrors.Describe(e)}"); }
    }

    private static TaskLease RequireLease(string method, TaskLease? lease)
    {
        if (lease == null) throw new RpcFault(AgentRpc.InvalidParams, $"invalid params for {method}: lease is required");
        if (string.IsNullOrEmpty(lease.TaskId)) throw new RpcFault(AgentRpc.InvalidParams, $"invalid params for {method}: lease.taskId is required");
        return lease;
    }

    /// <summary>The allow-list (null when the client sent "types": null: every type).</summary>
    private static IReadOnlyList<TaskType> Types(IReadOnlyList<TaskType>? types) => types ?? [];

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
