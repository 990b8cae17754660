using Microsoft.Extensions.Primitives;
using Verity.Cluster.Protocol;
using Verity.Node.Api;

namespace Verity.Node.Rpc;

/// <summary>
/// Lets an agent request through only with <c>Authorization: Bearer &lt;agent token&gt;</c>; otherwise 401 before the
/// handler runs (a JSON-RPC error on the RPC endpoint, an <see cref="ApiError"/> on the blob proxy).
/// </summary>
internal sealed class AgentTokenFilter(SecretMatch token, bool rpc) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        string? problem = Check(http.Request.Headers.Authorization);
        if (problem == null) return await next(context).ConfigureAwait(false);
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return rpc
            ? RpcDispatcher.ErrorResult(StatusCodes.Status401Unauthorized, AgentRpc.ServerError, problem)
            : ApiResults.Error(StatusCodes.Status401Unauthorized, problem);
    }

    private string? Check(StringValues authorization)
    {
        if (authorization.Count == 0) return "missing agent token (send Authorization: Bearer <token>)";
        string value = authorization.Count == 1 ? authorization[0] ?? "" : "";
        const string scheme = "Bearer ";
        if (!value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return "the Authorization header must be 'Bearer <agent token>'";
        return token.Matches(value[scheme.Length..].Trim()) ? null : "wrong agent token";
    }
}
