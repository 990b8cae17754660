using System.Numerics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Verity.Broker.Metrics;
using Verity.Broker.Orders;
using Verity.Cluster.Telemetry;
using Verity.Node.Metrics;

namespace Verity.Cli.Tests.Broker;

/// <summary>
/// The broker's instruments through the Prometheus exporter as the standalone `verity broker` serves them
/// (<see cref="PrometheusScrape"/> on its own meter factory): every family keeps the name and type the hand-written
/// text had, and a second broker in the process does not leak into the scrape.
/// </summary>
public sealed partial class BrokerMetricsScrapeTests
{
    [Fact]
    public async Task Every_broker_family_keeps_its_name_and_type_and_only_its_own_broker_shows()
    {
        using var meters = new InstanceMeters();
        using var otherMeters = new InstanceMeters();
        using var provider = meters.AddTo(Sdk.CreateMeterProviderBuilder()).AddPrometheusScrape().Build();
        var metrics = new BrokerMetrics(meters);
        var other = new BrokerMetrics(otherMeters);
        int refreshes = 0;

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        PrometheusScrape.Map(app, provider, _ =>
        {
            metrics.SetStates(new Dictionary<OrderState, int> { [OrderState.Locking] = ++refreshes });
            return Task.CompletedTask;
        });
        await app.StartAsync();

        metrics.Skipped("S-101");
        metrics.LockWon();
        metrics.Fulfilled(new BigInteger(3e18), 5);
        metrics.GasSpent(7);
        metrics.PreflightSeconds(0.3);
        metrics.ProvingSeconds(42);
        other.Fulfilled(1, 1);
        other.Fulfilled(1, 1);

        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        string text = await http.GetStringAsync("/metrics");
        var types = TypeLine().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var expected = new Dictionary<string, string>
        {
            ["verity_broker_orders"] = "gauge",
            ["verity_broker_committed_slots"] = "gauge",
            ["verity_broker_skips_total"] = "counter",
            ["verity_broker_lost_total"] = "counter",
            ["verity_broker_failed_total"] = "counter",
            ["verity_broker_locks_total"] = "counter",
            ["verity_broker_would_lock_total"] = "counter",
            ["verity_broker_fulfilled_total"] = "counter",
            ["verity_broker_batches_total"] = "counter",
            ["verity_broker_slashes_total"] = "counter",
            ["verity_broker_earned_wei_total"] = "counter",
            ["verity_broker_bounty_total"] = "counter",
            ["verity_broker_gas_spent_wei_total"] = "counter",
            ["verity_broker_preflight_seconds"] = "histogram",
            ["verity_broker_proving_seconds"] = "histogram",
        };
        // lost and failed have no reason yet: their families appear with their first reason, as before.
        foreach (var (name, type) in expected.Where(e => e.Key is not ("verity_broker_lost_total" or "verity_broker_failed_total")))
            Assert.True(types.TryGetValue(name, out var seen) && seen == type, $"{name} {type} missing:\n{text}");
        Assert.All(types.Keys, name => Assert.Contains(name, expected.Keys));

        Assert.Equal(1, Value(text, "verity_broker_fulfilled_total{}")); // not the other broker's 2
        Assert.Equal(1, Value(text, "verity_broker_skips_total{reason=\"S-101\"}"));
        Assert.Equal(1, Value(text, "verity_broker_locks_total{outcome=\"won\"}"));
        Assert.Equal(3e18, Value(text, "verity_broker_earned_wei_total{}"));
        Assert.Equal(7, Value(text, "verity_broker_gas_spent_wei_total{}"));
        Assert.Equal(1, Value(text, "verity_broker_orders{state=\"locking\"}"));
        Assert.Equal(1, Value(text, "verity_broker_committed_slots{}"));
        Assert.Equal(1, Value(text, "verity_broker_preflight_seconds_bucket{le=\"0.5\"}"));
        Assert.Equal(0, Value(text, "verity_broker_proving_seconds_bucket{le=\"30\"}"));
        Assert.Equal(1, Value(text, "verity_broker_proving_seconds_count{}"));

        // Refreshed at each scrape: no cached response.
        Assert.Equal(2, Value(await http.GetStringAsync("/metrics"), "verity_broker_orders{state=\"locking\"}"));
    }

    private static double Value(string text, string sample)
    {
        string line = Assert.Single(text.Split('\n'), l => l.StartsWith(sample + " ", StringComparison.Ordinal));
        return double.Parse(line[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
