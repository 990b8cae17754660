using Verity.Aztec.Api;
using Verity.Aztec.Scheduling;
using Verity.Aztec.Store;

namespace Verity.Node.Api;

/// <summary>
/// The Aztec endpoint's operator view on the client API (behind the API key; docs/AZTEC.md §5):
/// <c>GET /v1/aztec/status</c> (counts by type and state, the newest jobs) and <c>GET /v1/aztec/jobs?state=&amp;limit=</c>.
/// </summary>
internal static class AztecRoutes
{
    private const int MaxLimit = 1000;

    /// <param name="address">Where the endpoint is bound (it starts after these routes are mapped).</param>
    public static void Map(RouteGroupBuilder group, AztecBroker broker, Func<Uri?> address)
    {
        group.MapGet("/status", async (int? limit, CancellationToken ct) =>
        {
            if (Limit(limit) is not { } n) return LimitError();
            var counts = await broker.CountsAsync(ct).ConfigureAwait(false);
            broker.Metrics.UpdateCounts(counts);
            var jobs = await broker.ListAsync(null, n, ct).ConfigureAwait(false);
            long height = await broker.EpochHeightAsync(ct).ConfigureAwait(false);
            var o = broker.Options;
            return ApiResults.Json(new AztecStatusView(address()?.ToString() ?? o.Listen ?? "", o.JobTimeoutMs, o.MaxAttempts, height,
                AztecJobView.Tally(counts), [.. jobs.Select(AztecJobView.From)]));
        });
        group.MapGet("/jobs", async (string? state, int? limit, CancellationToken ct) =>
        {
            if (Limit(limit) is not { } n) return LimitError();
            AztecJobState? only = null;
            if (!string.IsNullOrEmpty(state))
            {
                var match = Enum.GetValues<AztecJobState>().Where(s => s.Name() == state.Trim().ToLowerInvariant()).ToList();
                if (match.Count == 0)
                    return ApiResults.Error(StatusCodes.Status400BadRequest,
                        $"state '{state}' is not one of {string.Join(", ", Enum.GetValues<AztecJobState>().Select(s => s.Name()))}");
                only = match[0];
            }
            var jobs = await broker.ListAsync(only, n, ct).ConfigureAwait(false);
            return ApiResults.Json(jobs.Select(AztecJobView.From).ToList());
        });
    }

    private static int? Limit(int? limit) => limit switch
    {
        null => 50,
        >= 1 and <= MaxLimit => limit,
        _ => null,
    };

    private static IResult LimitError() => ApiResults.Error(StatusCodes.Status400BadRequest, $"limit must be between 1 and {MaxLimit}");
}
