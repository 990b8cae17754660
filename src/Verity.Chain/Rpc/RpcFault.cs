namespace Verity.Chain.Rpc;

/// <summary>What <see cref="RpcFaultProxy"/> does to one request instead of forwarding it.</summary>
public enum RpcFault
{
    /// <summary>Forwarded to the upstream RPC and its answer returned.</summary>
    None,

    /// <summary>A JSON-RPC error answer (HTTP 200, code −32603 "internal error"): an answer, which clients do not retry.</summary>
    JsonRpcError,

    /// <summary>A JSON-RPC rate-limit answer (HTTP 200, code −32005 "limit exceeded"), as hosted providers send it.</summary>
    RateLimited,

    /// <summary>HTTP 503 with no JSON-RPC body.</summary>
    HttpError,

    /// <summary>The request is held, never answered, until the client gives up and closes the connection.</summary>
    Timeout,

    /// <summary>The connection is reset (TCP RST) after the request was read, without an answer.</summary>
    Drop,
}
