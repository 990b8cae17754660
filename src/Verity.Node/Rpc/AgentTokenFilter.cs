using Microsoft.Extensions.Primitives;
using Verity.Cluster.Protocol;
using Verity.Node.Api;

namespace Verity.Node.Rpc;

/// <summary>
/// Lets an agent request through only with <c>Authorization: Bearer &lt;token&gt;</c> naming a valid agent token (the
/// shared one or a per-agent credential, see <see cref="AgentAuthenticator"/>), leaving the <see cref="AgentIdentity"/>
/// in the request's items; otherwise 401 before the handler runs (a JSON-RPC error on the RPC endpoint, an
/// <see cref="ApiError"/> on the blob proxy).
/// </summary>
internal sealed class AgentTokenFilter(bool rpc) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        string? problem = Token(http.Request.Headers.Authorization, out string token);
        if (problem == null)
        {
            var authenticator = http.RequestServices.GetRequiredService<AgentAuthenticator>();
            var identity = await authenticator.AuthenticateAsync(token, http.RequestAborted).ConfigureAwait(false);
            if (identity != null)
            {
                http.Items[AgentIdentity.ItemKey] = identity;
                return await next(context).ConfigureAwait(false);
            }
            problem = "wrong agent token (or a revoked one)";
        }
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return rpc
            ? RpcDispatcher.ErrorResult(StatusCodes.Status401Unauthorized, AgentRpc.ServerError, problem)
            : ApiResults.Error(StatusCodes.Status401Unauthorized, problem);
    }

    private static string? Token(StringValues authorization, out string token)
    {
        token = "";
        if (authorization.Count == 0) return "missing agent token (send Authorization: Bearer <token>)";
        string value = authorization.Count == 1 ? authorization[0] ?? "" : "";
        const string scheme = "Bearer ";
        if (!value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return "the Authorization header must be 'Bearer <agent token>'";
        token = value[scheme.Length..].Trim();
        return token.Length == 0 ? "missing agent token (send Authorization: Bearer <token>)" : null;
    }
}
