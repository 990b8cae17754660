using Verity.Node.Hosting;

namespace Verity.Node.Api;

/// <summary>
/// GET /health (no auth): 200 <c>{"status":"ok","schemaVersion":n}</c> while the node can make progress; 503
/// <c>{"status":"unavailable","error":"…","problems":["store","disk_full","agents"]}</c> while it cannot — the store
/// does not answer or its writes fail, the disk is full, or no embedded agent runs (<see cref="NodeHealth"/>).
/// </summary>
internal static class HealthEndpoint
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/health", CheckAsync);

    private static async Task<IResult> CheckAsync(HttpContext http, NodeHealth health)
    {
        var report = await health.CheckAsync(http.RequestAborted).ConfigureAwait(false);
        if (report.Healthy) return ApiResults.Json(new HealthStatus("ok", report.SchemaVersion, null, null));
        return ApiResults.Json(new HealthStatus("unavailable", report.SchemaVersion,
            string.Join("; ", report.Problems.Select(p => p.Reason)), [.. report.Problems.Select(p => p.Kind)]), StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The /health answer.</summary>
    internal sealed record HealthStatus(string Status, int? SchemaVersion, string? Error, IReadOnlyList<string>? Problems);
}
