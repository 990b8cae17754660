namespace Verity.Chain.Rpc;

/// <summary>
/// The Ethereum RPC could not be used: unreachable, answering HTTP errors, or not answering JSON-RPC. The message
/// names the endpoint as host and port only (<see cref="RpcEndpoint.Display"/>) and the method that failed.
/// A JSON-RPC error answer (the node refused the request) is not this: it stays Nethereum's <c>RpcResponseException</c>.
/// </summary>
public sealed class ChainRpcException(string message, string endpoint, string method, bool transient, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>scheme://host:port of the RPC.</summary>
    public string Endpoint { get; } = endpoint;

    /// <summary>The JSON-RPC method (or methods of a batch) that failed.</summary>
    public string Method { get; } = method;

    /// <summary>Whether trying again later might work (connection errors, timeouts, HTTP 429/5xx).</summary>
    public bool Transient { get; } = transient;
}
