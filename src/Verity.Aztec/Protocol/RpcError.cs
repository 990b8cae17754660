namespace Verity.Aztec.Protocol;

/// <summary>
/// A JSON-RPC error as Aztec's server sends it (<c>foundation/src/json-rpc/server/safe_json_rpc_server.ts</c>, 4.1.2).
/// The codes past the standard ones are Aztec's: -32701 for parameters its schema rejects, -32702 for a call that
/// threw.
/// </summary>
public sealed record RpcError(int Code, string Message)
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32701;
    public const int CallFailed = -32702;
}

/// <summary>Parameters the method's schema rejects (answered with <see cref="RpcError.InvalidParams"/>).</summary>
public sealed class RpcParamsException(string message) : Exception(message);
