using OpenTelemetry.Metrics;

namespace Verity.Node.Metrics;

/// <summary>
/// GET /metrics through OpenTelemetry's Prometheus exporter, the same way for a node and a standalone broker: a fresh
/// collection per scrape (no response cache, so gauges refreshed just before are what the scrape shows), and no
/// <c>otel_scope_*</c> labels or <c>target_info</c> series, so the series are the ones the hand-written text had
/// (docs/METRICS.md).
/// </summary>
public static class PrometheusScrape
{
    public const string Path = "/metrics";

    /// <summary>Adds the scrape's reader to an instance's provider.</summary>
    public static MeterProviderBuilder AddPrometheusScrape(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddPrometheusExporter(o =>
        {
            o.ScrapeResponseCacheDurationMilliseconds = 0;
            o.ScopeInfoEnabled = false;
            o.TargetInfoEnabled = false;
        });
    }

    /// <summary>
    /// Serves <see cref="Path"/> from <paramref name="provider"/> (built with <see cref="AddPrometheusScrape"/>);
    /// <paramref name="refresh"/> runs before each collection, for gauges read from a database.
    /// </summary>
    public static IEndpointConventionBuilder Map(IEndpointRouteBuilder app, MeterProvider provider, Func<HttpContext, Task> refresh)
    {
        ArgumentNullException.ThrowIfNull(refresh);
        return app.MapPrometheusScrapingEndpoint(Path, provider, branch => branch.Use(async (http, next) =>
        {
            await refresh(http).ConfigureAwait(false);
            await next(http).ConfigureAwait(false);
        }), optionsName: null);
    }
}
