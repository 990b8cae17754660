using Verity.Cluster.Store;

namespace Verity.Node.Api;

/// <summary>GET /health (no auth): 200 <c>{"status":"ok"}</c> when the task store answers within 5 s, 503 otherwise.</summary>
internal static class HealthEndpoint
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/health", CheckAsync);

    private static async Task<IResult> CheckAsync(HttpContext http, ITaskStore store)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(StoreTimeout);
        try
        {
            int version = await store.SchemaVersionAsync(timeout.Token).ConfigureAwait(false);
            return ApiResults.Json(new HealthStatus("ok", version, null));
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            string why = timeout.IsCancellationRequested ? $"the task store did not answer within {StoreTimeout.TotalSeconds:0} s" : $"the task store failed: {e.Message}";
            return ApiResults.Json(new HealthStatus("unavailable", null, why), StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>The /health answer.</summary>
    internal sealed record HealthStatus(string Status, int? SchemaVersion, string? Error);
}
