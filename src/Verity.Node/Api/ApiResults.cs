using Verity.Cluster.Protocol;

namespace Verity.Node.Api;

/// <summary>JSON responses in the cluster's one JSON shape (<see cref="ClusterJson"/>).</summary>
internal static class ApiResults
{
    public static IResult Json<T>(T value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, ClusterJson.Options, contentType: "application/json; charset=utf-8", statusCode: status);

    public static IResult Error(int status, string message) => Json(new ApiError(message), status);

    /// <summary>Writes an <see cref="ApiError"/> straight to the response (middleware and filters, outside endpoints).</summary>
    public static Task WriteErrorAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        return http.Response.WriteAsync(ClusterJson.Serialize(new ApiError(message)), http.RequestAborted);
    }
}
