using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Verity.Cluster.Broker;

/// <summary>
/// Pushes an instance's metrics to an OpenTelemetry collector over OTLP (HTTP + protobuf): a second reader on the
/// MeterProvider that also serves /metrics, so both see the same instruments.
/// </summary>
public static class OtlpExport
{
    /// <summary>How often metrics are pushed unless told otherwise.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Adds a reader to <paramref name="builder"/> that exports to <paramref name="endpoint"/> — the collector's base
    /// URL (<c>http://collector:4318</c>; metrics go to its <c>/v1/metrics</c>) or the full metrics URL — every
    /// <paramref name="interval"/>. Disposing the built provider flushes and stops it.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is not an http(s) URL, or the interval is not positive.</exception>
    public static MeterProviderBuilder AddOtlpExport(this MeterProviderBuilder builder, string endpoint, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var url = MetricsUrl(endpoint);
        var every = interval ?? DefaultInterval;
        if (every <= TimeSpan.Zero || every.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(interval), every, "the OTLP export interval must be positive");

        return builder.AddOtlpExporter((exporter, reader) =>
        {
            exporter.Endpoint = url;
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)Math.Ceiling(every.TotalMilliseconds);
        });
    }

    /// <summary>
    /// The URL metrics are posted to. An endpoint set in code is used verbatim by the exporter, so the signal path
    /// that the OTEL_EXPORTER_OTLP_ENDPOINT convention implies is appended here.
    /// </summary>
    public static Uri MetricsUrl(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new ArgumentException($"OTLP endpoint '{endpoint}' is not an http(s) URL", nameof(endpoint));
        if (uri.AbsolutePath.EndsWith("/v1/metrics", StringComparison.Ordinal)) return uri;
        var builder = new UriBuilder(uri) { Path = uri.AbsolutePath.TrimEnd('/') + "/v1/metrics" };
        return builder.Uri;
    }
}
