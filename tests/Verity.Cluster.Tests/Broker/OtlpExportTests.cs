using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Verity.Cluster.Broker;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Verity.Cluster.Jobs;
using Verity.Cluster.Telemetry;

namespace Verity.Cluster.Tests.Broker;

public sealed class OtlpExportTests
{
    [Theory]
    [InlineData("collector:4318")]
    [InlineData("ftp://collector/")]
    public void A_bad_endpoint_is_rejected_by_name(string endpoint)
    {
        var e = Assert.Throws<ArgumentException>(() => Sdk.CreateMeterProviderBuilder().AddOtlpExport(endpoint));
        Assert.Contains(endpoint, e.Message);
    }

    [Fact]
    public void A_non_positive_interval_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Sdk.CreateMeterProviderBuilder().AddOtlpExport("http://127.0.0.1:4318", TimeSpan.Zero));

    [Theory]
    [InlineData("http://collector:4318", "http://collector:4318/v1/metrics")]
    [InlineData("http://collector:4318/", "http://collector:4318/v1/metrics")]
    [InlineData("https://otel.example/base/", "https://otel.example/base/v1/metrics")]
    [InlineData("http://collector:4318/v1/metrics", "http://collector:4318/v1/metrics")]
    public void The_metrics_path_is_added_to_a_base_url(string endpoint, string expected) =>
        Assert.Equal(expected, OtlpExport.MetricsUrl(endpoint).ToString());

    [Fact]
    public async Task Metrics_arrive_at_the_collector_as_protobuf()
    {
        int port = FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var received = Channel.CreateUnbounded<(string Method, string Path, string? ContentType, byte[] Body)>();
        using var stop = new CancellationTokenSource();
        var serve = Task.Run(async () =>
        {
            // Answer every export (the provider's final flush on dispose included) so the exporter never waits.
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try { context = await collector.GetContextAsync(); }
                catch (Exception) when (stop.IsCancellationRequested) { return; }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                received.Writer.TryWrite((context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        });

        using var meters = new InstanceMeters();
        using var metrics = new ClusterMetrics(meters: meters);
        using (meters.AddTo(Sdk.CreateMeterProviderBuilder()).AddOtlpExport($"http://127.0.0.1:{port}", TimeSpan.FromMilliseconds(200)).Build())
        {
            metrics.TaskClaimed(TaskType.Prove);

            // An export may run before the increment is collected: wait for the first one that carries the counter,
            // checking the shape of every one.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            bool found = false;
            while (!found)
            {
                var request = await received.Reader.ReadAsync(timeout.Token);
                Assert.Equal("POST", request.Method);
                Assert.Equal("/v1/metrics", request.Path);
                Assert.Equal("application/x-protobuf", request.ContentType);
                // Protobuf keeps strings as raw UTF-8: the payload names the meter and the instrument.
                found = Contains(request.Body, ClusterMetrics.MeterName) && Contains(request.Body, "verity_task_claims");
            }
        }
        await stop.CancelAsync();
        collector.Stop();
        await serve;
    }

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
