using System.Diagnostics.Metrics;
using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Verity.Cluster.Tests.Broker;

/// <summary>One metric point as the OpenTelemetry SDK aggregated it: a sum or gauge value, or a histogram.</summary>
internal sealed record MetricSample(string Name, MetricType Type, IReadOnlyDictionary<string, string> Tags, double Value,
    long Count, double Sum, IReadOnlyList<(double Bound, long Cumulative)> Buckets);

/// <summary>
/// Collects one meter's instruments through the OpenTelemetry SDK (the aggregation /metrics and OTLP export read),
/// on demand. Create it before the events: histogram recordings made while no provider listens are not kept.
/// </summary>
internal sealed class MetricsCollector : IDisposable
{
    private readonly MeterProvider _provider;
    private readonly BaseExportingMetricReader _reader;
    private readonly SnapshotExporter _exporter = new();

    public MetricsCollector(Meter meter)
    {
        _reader = new BaseExportingMetricReader(_exporter);
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meter.Name)
            .AddView(i => ReferenceEquals(i.Meter, meter) ? null : MetricStreamConfiguration.Drop)
            .AddReader(_reader)
            .Build();
    }

    public MetricsSnapshot Collect()
    {
        Assert.True(_reader.Collect(), "the reader collected");
        return new MetricsSnapshot(_exporter.Last);
    }

    public void Dispose() => _provider.Dispose();

    private sealed class SnapshotExporter : BaseExporter<Metric>
    {
        public IReadOnlyList<(Metric Metric, MetricSample Sample)> Last { get; private set; } = [];

        public override ExportResult Export(in Batch<Metric> batch)
        {
            var samples = new List<(Metric, MetricSample)>();
            foreach (var metric in batch)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    var tags = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var tag in point.Tags) tags[tag.Key] = Convert.ToString(tag.Value, CultureInfo.InvariantCulture)!;
                    samples.Add((metric, metric.MetricType switch
                    {
                        MetricType.LongSum or MetricType.LongSumNonMonotonic => Value(point.GetSumLong()),
                        MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => Value(point.GetSumDouble()),
                        MetricType.LongGauge => Value(point.GetGaugeLastValueLong()),
                        MetricType.DoubleGauge => Value(point.GetGaugeLastValueDouble()),
                        MetricType.Histogram => Histogram(point),
                        var other => throw new InvalidOperationException($"unexpected metric type {other}"),
                    }));

                    MetricSample Value(double value) => new(metric.Name, metric.MetricType, tags, value, 0, 0, []);

                    MetricSample Histogram(in MetricPoint p)
                    {
                        var buckets = new List<(double, long)>();
                        long cumulative = 0;
                        foreach (var bucket in p.GetHistogramBuckets())
                        {
                            cumulative += bucket.BucketCount;
                            buckets.Add((bucket.ExplicitBound, cumulative));
                        }
                        return new(metric.Name, metric.MetricType, tags, 0, p.GetHistogramCount(), p.GetHistogramSum(), buckets);
                    }
                }
            }
            Last = samples;
            return ExportResult.Success;
        }
    }
}

/// <summary>The points of one collection, looked up by instrument name and exact tags.</summary>
internal sealed class MetricsSnapshot(IReadOnlyList<(Metric Metric, MetricSample Sample)> points)
{
    public IReadOnlyList<MetricSample> Samples { get; } = [.. points.Select(p => p.Sample)];

    /// <summary>Instrument name → its description, unit and type.</summary>
    public IReadOnlyDictionary<string, (string Description, string Unit, MetricType Type)> Instruments { get; } =
        points.GroupBy(p => p.Metric.Name).ToDictionary(g => g.Key, g => (g.First().Metric.Description, g.First().Metric.Unit, g.First().Metric.MetricType));

    /// <summary>The one point with this name and exactly these tags.</summary>
    public MetricSample Point(string name, params (string Name, string Value)[] tags) =>
        Assert.Single(Samples, s => s.Name == name && s.Tags.Count == tags.Length && tags.All(t => s.Tags.TryGetValue(t.Name, out var v) && v == t.Value));

    public double Value(string name, params (string Name, string Value)[] tags) => Point(name, tags).Value;

    /// <summary>Sums and gauges as "name{tags} value" lines, histograms as their _count and _sum lines (tags in name order).</summary>
    public string Render(Func<string, bool>? include = null) => string.Join('\n', Samples
        .Where(s => include?.Invoke(s.Name) ?? true)
        .SelectMany(s =>
        {
            string tags = s.Tags.Count == 0 ? "" : "{" + string.Join(',', s.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}=\"{t.Value}\"")) + "}";
            return s.Type == MetricType.Histogram
                ? new[] { $"{s.Name}_count{tags} {s.Count.ToString(CultureInfo.InvariantCulture)}", $"{s.Name}_sum{tags} {s.Sum.ToString("R", CultureInfo.InvariantCulture)}" }
                : [$"{s.Name}{tags} {s.Value.ToString("R", CultureInfo.InvariantCulture)}"];
        })
        .Order(StringComparer.Ordinal));
}
