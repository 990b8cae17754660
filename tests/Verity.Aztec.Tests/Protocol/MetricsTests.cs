using Verity.Aztec.Tests.Infrastructure;

namespace Verity.Aztec.Tests.Protocol;

/// <summary>The Aztec series on the node's /metrics (docs/METRICS.md): counters as calls happen, the jobs gauge from the store.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_show_Aztec_jobs_by_type_name_and_state_and_the_calls()
    {
        await using var node = await AztecTestNode.StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("a", 16, 1));
        await rpc.EnqueueAsync(AztecRpc.Job("a", 16, 1)); // a known id: cached
        await rpc.EnqueueAsync(AztecRpc.Job("b", 15, 1));
        var (root, _) = (await rpc.TakeAsync())!.Value;
        Assert.Equal("b", root);
        await rpc.CallAsync("reportProvingJobSuccess", "b", "data:proof"); // hands out a

        using var http = new HttpClient();
        string text = await http.GetStringAsync(new Uri(node.Node.BaseAddress, "/metrics"));
        var lines = text.Split('\n');
        Assert.Contains("verity_aztec_jobs{state=\"fulfilled\",type=\"ROOT_ROLLUP\"} 1", lines);
        Assert.Contains("verity_aztec_jobs{state=\"in_progress\",type=\"PARITY_BASE\"} 1", lines);
        Assert.Contains("verity_aztec_jobs{state=\"queued\",type=\"PARITY_BASE\"} 0", lines);
        Assert.Contains("verity_aztec_jobs_enqueued_total{type=\"PARITY_BASE\"} 1", lines);
        Assert.Contains("verity_aztec_jobs_cached_total{type=\"PARITY_BASE\"} 1", lines);
        Assert.Contains("verity_aztec_jobs_settled_total{outcome=\"fulfilled\",type=\"ROOT_ROLLUP\"} 1", lines);
        Assert.Contains("verity_aztec_rpc_calls_total{method=\"enqueueProvingJob\",outcome=\"ok\"} 3", lines);
        Assert.Contains(lines, l => l.StartsWith("verity_aztec_job_duration_seconds_count{type=\"ROOT_ROLLUP\"} 1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("verity_aztec_job_wait_seconds_count{type=\"PARITY_BASE\"} 1", StringComparison.Ordinal));
    }
}
