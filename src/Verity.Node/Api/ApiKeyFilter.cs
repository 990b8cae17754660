using Verity.Cluster.Protocol;

namespace Verity.Node.Api;

/// <summary>Lets a /v1 request through only with a configured key in <c>x-api-key</c>; otherwise 401 before the handler runs.</summary>
internal sealed class ApiKeyFilter(SecretMatch keys) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var headers = context.HttpContext.Request.Headers;
        if (!headers.TryGetValue(JobApi.ApiKeyHeader, out var values) || values.Count == 0)
            return ApiResults.Error(StatusCodes.Status401Unauthorized, $"missing API key (send it in the {JobApi.ApiKeyHeader} header)");
        if (values.Count != 1 || !keys.Matches(values[0]))
            return ApiResults.Error(StatusCodes.Status401Unauthorized, "wrong API key");
        return await next(context).ConfigureAwait(false);
    }
}
