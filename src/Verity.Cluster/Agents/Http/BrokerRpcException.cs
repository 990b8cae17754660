namespace Verity.Cluster.Agents.Http;

/// <summary>
/// The node refused an agent call for good (a JSON-RPC error, a 4xx answer, a response that is not JSON-RPC): retrying
/// the same call cannot help, so <see cref="ProvingAgent"/> does not back off and retry it. Transient failures (5xx,
/// connection refused, timeouts) surface as <see cref="HttpRequestException"/> or <see cref="TimeoutException"/> instead.
/// </summary>
public sealed class BrokerRpcException(string method, int httpStatus, int? rpcCode, string serverMessage)
    : Exception($"{method} failed: {serverMessage} (HTTP {httpStatus}{(rpcCode is { } c ? $", JSON-RPC error {c}" : "")})")
{
    /// <summary>The JSON-RPC method that was called.</summary>
    public string Method { get; } = method;

    /// <summary>The HTTP status of the answer.</summary>
    public int HttpStatus { get; } = httpStatus;

    /// <summary>The JSON-RPC error code, when the answer carried one.</summary>
    public int? RpcCode { get; } = rpcCode;

    /// <summary>What the node said (or a description of the malformed answer).</summary>
    public string ServerMessage { get; } = serverMessage;
}
