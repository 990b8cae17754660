using Verity.Broker.Benchmarks;
using Verity.Broker.Config;
using Verity.Broker.Tests.Services;

namespace Verity.Broker.Tests.Benchmarks;

/// <summary>
/// `verity bench broker`'s logic run small on a devnet of its own (anvil, a real node: preflights execute the guest):
/// the figures must be consistent with each other and with what ran. No timing is asserted.
/// </summary>
[Collection(DevnetCollection.Name)]
public class BrokerBenchmarkTests(PipelineFixture f) : IClassFixture<PipelineFixture>
{
    private async Task<BrokerBenchmarkResult> RunAsync(BrokerBenchmarkSettings settings)
    {
        string dir = Directory.CreateTempSubdirectory("verity-bench-broker-test-").FullName;
        try
        {
            var cluster = f.Cluster(new BrokerConfigSource(BrokerConfig.Default));
            using var owned = cluster as IDisposable;
            return await BrokerBenchmark.RunAsync(settings, f.RpcUrl, f.Deployment, cluster, dir, f.Logs,
                timeout: TimeSpan.FromSeconds(300));   // hang guard only
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static void AssertConsistent(BrokerBenchmarkResult r, int n)
    {
        Assert.Equal(n, r.Decided);
        Assert.Equal(n, r.Priced + r.Skipped.Values.Sum());
        Assert.True(r.Priced == n, $"skipped: {string.Join(", ", r.Skipped)}");   // far deadlines and a cheap price: every one is priced
        Assert.Equal(n, r.DecisionLatency.Count);
        Assert.Equal(n, r.Preflight.Count);
        foreach (var p in new[] { r.DecisionLatency, r.Preflight, r.PreflightExecuted })
        {
            Assert.True(p.P50 >= 0 && p.P50 <= p.P95 && p.P95 <= p.Max, p.ToString());
        }
        // A preflight happens inside its order's observed → decided span, and every span inside the wall time.
        Assert.True(r.Preflight.Max <= r.DecisionLatency.Max, $"{r.Preflight} vs {r.DecisionLatency}");
        Assert.True(r.DecisionLatency.Max <= r.WallSeconds + 1e-9, $"{r.DecisionLatency} vs wall {r.WallSeconds}");
        Assert.Equal(n / r.WallSeconds, r.EvaluatedPerSecond, 6);
        Assert.True(r.CyclesPerRequest > 0);
    }

    [Fact]
    public async Task Same_input_five_orders_preflight_once_and_the_figures_agree()
    {
        var r = await RunAsync(new BrokerBenchmarkSettings(Orders: 5));
        AssertConsistent(r, 5);
        Assert.Equal(1, r.PreflightsRun);   // the others are cache hits (or share the one in flight)
        Assert.Equal(1, r.PreflightExecuted.Count);
    }

    [Fact]
    public async Task Distinct_inputs_preflight_each_order()
    {
        var r = await RunAsync(new BrokerBenchmarkSettings(Orders: 3, DistinctInputs: true));
        AssertConsistent(r, 3);
        Assert.Equal(3, r.PreflightsRun);
    }

    [Fact]
    public void Zero_orders_is_refused_with_the_reason() =>
        Assert.Equal("--orders must be at least 1, got 0", new BrokerBenchmarkSettings(0).Problem());
}
