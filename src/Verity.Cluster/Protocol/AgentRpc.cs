using System.Text.Json;
using Verity.Cluster.Jobs;

namespace Verity.Cluster.Protocol;

/// <summary>
/// The agent protocol: JSON-RPC 2.0 over HTTP POST to <see cref="Path"/> with named params and the agent token as
/// <c>Authorization: Bearer &lt;token&gt;</c> (DESIGN §5; the shape of Aztec's proving-broker consumer API). Every
/// report returns the agent's next task. Blobs travel separately: GET/PUT/HEAD/DELETE <see cref="BlobPath"/>/&lt;key&gt;
/// with the same token (<c>application/octet-stream</c>). Malformed requests get HTTP 400 with a JSON-RPC error
/// naming what is wrong; a missing or wrong token gets 401.
/// </summary>
public static class AgentRpc
{
    public const string Path = "/agent/v1/rpc";
    public const string BlobPath = "/agent/v1/blobs";

    /// <summary>Blob proxy request headers naming the task (its id) and lease an agent reads or writes a blob for.</summary>
    public const string TaskHeader = "X-Verity-Task";
    public const string LeaseHeader = "X-Verity-Lease";

    /// <summary>Blob proxy response header: the blob's recorded SHA-256 (hex), which the agent checks the body against.</summary>
    public const string Sha256Header = "X-Verity-Sha256";

    /// <summary>Blob proxy response header on the error answer for a stored blob whose bytes do not match their digest.</summary>
    public const string CorruptedHeader = "X-Verity-Blob-Corrupted";

    public const string GetTask = "verity_getTask";
    public const string Heartbeat = "verity_heartbeat";
    public const string ReportSuccess = "verity_reportSuccess";
    public const string ReportError = "verity_reportError";

    // JSON-RPC 2.0 error codes.
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int ServerError = -32000;
    /// <summary>The token may not act as the agent id the request names (per-agent tokens bind "&lt;name&gt;/…"); HTTP 403.</summary>
    public const int Forbidden = -32001;
}

/// <summary>A JSON-RPC 2.0 request.</summary>
public sealed record RpcRequest
{
    public string Jsonrpc { get; init; } = "2.0";
    public JsonElement? Id { get; init; }
    public string Method { get; init; } = "";
    public JsonElement? Params { get; init; }
}

/// <summary>A JSON-RPC 2.0 response: exactly one of <see cref="Result"/> and <see cref="Error"/>.</summary>
public sealed record RpcResponse
{
    public string Jsonrpc { get; init; } = "2.0";
    public JsonElement? Id { get; init; }
    public JsonElement? Result { get; init; }
    public RpcError? Error { get; init; }
}

public sealed record RpcError(int Code, string Message);

/// <summary>Params of <see cref="AgentRpc.GetTask"/>; <see cref="Types"/> empty = every type.</summary>
public sealed record GetTaskParams
{
    public string AgentId { get; init; } = "";
    public IReadOnlyList<TaskType> Types { get; init; } = [];
}

public sealed record HeartbeatParams
{
    public string AgentId { get; init; } = "";
    public TaskLease? Lease { get; init; }
    public double? Progress { get; init; }
    public IReadOnlyList<TaskType> Types { get; init; } = [];
}

/// <summary>Result of <see cref="AgentRpc.Heartbeat"/>: the lease status and, when lost, the next task.</summary>
public sealed record HeartbeatResult
{
    public LeaseStatus Status { get; init; }
    public ClaimedTask? Next { get; init; }
}

public sealed record ReportSuccessParams
{
    public string AgentId { get; init; } = "";
    public TaskLease? Lease { get; init; }
    /// <summary>The task output as JSON text (see TaskOutputs.cs).</summary>
    public string Output { get; init; } = "";
    public IReadOnlyList<TaskType> Types { get; init; } = [];
}

public sealed record ReportErrorParams
{
    public string AgentId { get; init; } = "";
    public TaskLease? Lease { get; init; }
    public string Error { get; init; } = "";
    public bool Retry { get; init; }
    public IReadOnlyList<TaskType> Types { get; init; } = [];
    /// <summary>False when the agent is stopping and wants no next task.</summary>
    public bool WantNext { get; init; } = true;
    /// <summary>Optional: done prerequisites whose outputs the task found missing or corrupted (a finalize task's
    /// proofs, <c>[{"type":"prove","index":3}]</c>): they run again and the task waits for them, using no attempt.</summary>
    public IReadOnlyList<TaskRef>? Redo { get; init; }
}
