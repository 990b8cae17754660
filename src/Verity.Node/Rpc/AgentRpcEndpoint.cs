using Microsoft.AspNetCore.Mvc;
using Verity.Cluster.Broker;
using Verity.Cluster.Protocol;
using Verity.Node.Api;

namespace Verity.Node.Rpc;

/// <summary>POST <see cref="AgentRpc.Path"/>: the agents' JSON-RPC endpoint, behind <see cref="AgentTokenFilter"/>.</summary>
internal static class AgentRpcEndpoint
{
    /// <summary>Task outputs are small (the largest part is an execute task's journal); this leaves ample room.</summary>
    public const long MaxRequestBytes = 64L << 20;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost(AgentRpc.Path, DispatchAsync).AddEndpointFilter(new AgentTokenFilter(rpc: true));

    private static async Task<IResult> DispatchAsync(HttpContext http, [FromServices] RpcDispatcher dispatcher)
    {
        byte[] body;
        try { body = await RequestBody.ReadAsync(http.Request, MaxRequestBytes, "the RPC request", http.RequestAborted).ConfigureAwait(false); }
        catch (ClientErrorException e)
        {
            if (e.StatusCode == StatusCodes.Status413PayloadTooLarge) http.Response.Headers.Connection = "close";
            return RpcDispatcher.ErrorResult(e.StatusCode, AgentRpc.InvalidRequest, $"invalid request: {e.Message}");
        }
        return await dispatcher.DispatchAsync(body, AgentIdentity.Of(http), http.RequestAborted).ConfigureAwait(false);
    }
}
