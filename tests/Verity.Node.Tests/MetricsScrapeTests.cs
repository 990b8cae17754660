using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Routing;
using Verity.Node.Hosting;

namespace Verity.Node.Tests;

/// <summary>
/// /metrics through the OpenTelemetry exporter: each node of a process shows only its own instruments, gauges read
/// from the store are as fresh as the scrape, and a component's meter made with the node's factory joins its node.
/// </summary>
public sealed class MetricsScrapeTests
{
    [Fact]
    public async Task Each_node_in_a_process_shows_only_its_own_series()
    {
        await using var busy = await TestNode.StartAsync();
        await using var idle = await TestNode.StartAsync();
        await busy.CreateJobAsync();
        await busy.CreateJobAsync();

        var busySamples = await ScrapeAsync(busy);
        var idleSamples = await ScrapeAsync(idle);
        Assert.Equal(2, busySamples["verity_jobs_created_total"]);
        Assert.Equal(0, idleSamples["verity_jobs_created_total"]);
        Assert.Equal(2, busySamples["verity_jobs{state=\"running\"}"]);
        Assert.Equal(0, idleSamples["verity_jobs{state=\"running\"}"]);
        Assert.True(busySamples["verity_node_http_requests_total{code=\"201\",surface=\"api\"}"] >= 2);
        Assert.DoesNotContain(idleSamples.Keys, k => k.StartsWith("verity_node_http_requests_total", StringComparison.Ordinal)
                                                     && k.Contains("surface=\"api\"", StringComparison.Ordinal));
        // One sample per series: the other node's same-named instruments are not merged in.
        Assert.Single(busySamples.Keys, k => k == "verity_node_start_time_seconds");
    }

    [Fact]
    public async Task A_meter_made_with_the_nodes_factory_joins_that_node_only_and_an_unscoped_one_none()
    {
        await using var mine = await TestNode.StartAsync();
        await using var other = await TestNode.StartAsync();
        using var unscoped = new Meter("Verity.Loose");
        unscoped.CreateCounter<long>("verity_loose").Add(5);
        var component = mine.Node.Meters.Create("Verity.Component");
        var counter = component.CreateCounter<long>("verity_component_events", "{event}", "Events of a component the node hosts.");
        counter.Add(3);

        var mineSamples = await ScrapeAsync(mine);
        Assert.Equal(3, mineSamples["verity_component_events_total"]);
        Assert.DoesNotContain(mineSamples.Keys, k => k.StartsWith("verity_loose", StringComparison.Ordinal));
        var otherSamples = await ScrapeAsync(other);
        Assert.DoesNotContain(otherSamples.Keys, k => k.StartsWith("verity_component", StringComparison.Ordinal));
        Assert.DoesNotContain(otherSamples.Keys, k => k.StartsWith("verity_loose", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Store_gauges_are_read_at_each_scrape_with_no_cached_response()
    {
        await using var node = await TestNode.StartAsync();
        Assert.Equal(0, (await ScrapeAsync(node))["verity_jobs{state=\"running\"}"]);
        await node.CreateJobAsync();
        // Straight after the first scrape: a cached response would still say 0.
        var samples = await ScrapeAsync(node);
        Assert.Equal(1, samples["verity_jobs{state=\"running\"}"]);
        Assert.Equal(1, samples["verity_tasks{state=\"ready\",type=\"execute\"}"]);
    }

    [Fact]
    public async Task An_extension_refreshes_its_gauges_before_each_scrape()
    {
        var extension = new CountingExtension();
        await using var node = await TestNode.StartAsync(components: c => c with { Extensions = [extension] });
        extension.Attach(node.Node.Meters);
        Assert.Equal(1, (await ScrapeAsync(node))["verity_extension_refreshes"]);
        Assert.Equal(2, (await ScrapeAsync(node))["verity_extension_refreshes"]);
    }

    private static async Task<Dictionary<string, double>> ScrapeAsync(TestNode node)
    {
        using var response = await node.Client.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return HealthAndMetricsTests.ParsePrometheus(await response.Content.ReadAsStringAsync());
    }

    /// <summary>A hosted component whose gauge counts the refreshes /metrics asked of it.</summary>
    private sealed class CountingExtension : INodeExtension
    {
        private long _refreshes;

        public void Attach(IMeterFactory meters) =>
            meters.Create("Verity.Extension").CreateObservableGauge("verity_extension_refreshes", () => Interlocked.Read(ref _refreshes),
                null, "Refreshes asked of the extension.");

        public void Map(RouteGroupBuilder v1) { }

        public Task RefreshMetricsAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref _refreshes);
            return Task.CompletedTask;
        }
    }
}
