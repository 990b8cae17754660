using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Broker.Tests.Support;
using Verity.Cluster.Client;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Broker.Tests.Cluster;

// Inside the namespace: the Verity.Guests namespace (the example guests) would otherwise hide the test guests.

public sealed class NodeClusterTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task A_running_node_is_healthy_and_runs_an_execute_only_job()
    {
        using var cluster = node.Cluster();
        var health = await cluster.HealthAsync(CancellationToken.None);
        Assert.True(health.Healthy, string.Join(", ", health.Problems));
        Assert.Empty(health.Problems);

        string image = await cluster.UploadImageAsync(await File.ReadAllBytesAsync(TestGuests.Path("sha256")), CancellationToken.None);
        string input = await cluster.UploadInputAsync("abc"u8.ToArray(), CancellationToken.None);
        string job = await cluster.CreateJobAsync(new CreateJobRequest { ImageId = image, InputId = input, ExecuteOnly = true }, CancellationToken.None);
        JobStatusView status;
        var guard = DateTime.UtcNow.AddSeconds(120); // hang guard only
        do
        {
            status = await cluster.GetStatusAsync(job, CancellationToken.None);
            if (DateTime.UtcNow > guard) throw new TimeoutException("the job never ended");
            if (!status.State.IsTerminal()) await Task.Delay(50);
        } while (!status.State.IsTerminal());
        Assert.Equal(JobState.Succeeded, status.State);
        // Cancelling an ended job is not an error.
        await cluster.CancelAsync(job, CancellationToken.None);
    }

    [Fact]
    public async Task An_unreachable_node_is_unhealthy_after_the_retries()
    {
        using var client = new NodeClient(new Uri("http://127.0.0.1:1/"), NodeFixture.ApiKey);
        var source = new BrokerConfigSource(BrokerConfig.Default with { Prover = new ProverConfig { ReqRetryCount = 2, ReqRetrySleepMilliseconds = 1 } });
        using var cluster = new NodeCluster(client, source);
        var health = await cluster.HealthAsync(CancellationToken.None);
        Assert.False(health.Healthy);
        Assert.Equal(["unreachable"], health.Problems);
        await Assert.ThrowsAsync<HttpRequestException>(() => cluster.UploadInputAsync(new byte[] { 1 }, CancellationToken.None));
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        using var cluster = node.Cluster();
        var e = await Assert.ThrowsAsync<NodeClientException>(() =>
            cluster.CreateJobAsync(new CreateJobRequest { ImageId = new string('0', 64), InputId = new string('0', 64) }, CancellationToken.None));
        Assert.InRange(e.StatusCode, 400, 499);
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(400, false)]
    [InlineData(404, false)]
    [InlineData(409, false)]
    public void Transient_statuses(int status, bool transient)
    {
        Assert.Equal(transient, NodeCluster.IsTransient(new NodeClientException(status, "x")));
        Assert.Equal(status is 408 or 429 or 503, NodeCluster.SurelyNotCreated(new NodeClientException(status, "x")));
    }
}
