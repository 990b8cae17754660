namespace Verity.Node.Rpc;

/// <summary>A JSON-RPC error for one request: its code (<see cref="Cluster.Protocol.AgentRpc"/>) and a message naming what is wrong.</summary>
internal sealed class RpcFault(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}
