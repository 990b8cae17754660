using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Verity.Cluster.Blobs;

namespace Verity.Cluster.Tests.Blobs;

/// <summary>S3 store behaviour that needs no server: option checks and an endpoint nobody listens on.</summary>
public sealed class S3BlobStoreOfflineTests
{
    private static S3BlobOptions Valid => new()
    {
        ServiceUrl = "http://127.0.0.1:9",
        Bucket = "b",
        AccessKey = "k",
        SecretKey = "s",
    };

    [Theory]
    [InlineData("not a url", "ServiceUrl")]
    [InlineData("ftp://host/", "ServiceUrl")]
    public void Bad_service_url_is_rejected(string url, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => new S3BlobStore(Valid with { ServiceUrl = url }));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Other_bad_options_are_rejected_by_name()
    {
        Assert.Contains("Bucket", Assert.Throws<ArgumentException>(() => new S3BlobStore(Valid with { Bucket = " " })).Message);
        Assert.Contains("SecretKey", Assert.Throws<ArgumentException>(() => new S3BlobStore(Valid with { SecretKey = null })).Message);
        Assert.Contains("KeyPrefix", Assert.Throws<ArgumentException>(() => new S3BlobStore(Valid with { KeyPrefix = "../up" })).Message);
        Assert.Contains("Timeout", Assert.Throws<ArgumentException>(() => new S3BlobStore(Valid with { Timeout = TimeSpan.Zero })).Message);
        Assert.Contains("MaxRetries", Assert.Throws<ArgumentException>(() => new S3BlobStore(Valid with { MaxRetries = -1 })).Message);
    }

    [Fact]
    public async Task Invalid_prefixes_are_rejected()
    {
        using var store = new S3BlobStore(Valid);
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeletePrefixAsync("../"));
        await Assert.ThrowsAsync<ArgumentException>(async () => { await foreach (var _ in store.ListAsync("/jobs")) { } });
    }

    [Fact]
    public async Task Unreachable_endpoint_fails_fast_with_a_clear_message()
    {
        // A loopback port that was just free: nothing listens there, so connections are refused at once.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        string url = $"http://127.0.0.1:{port}";
        using var store = new S3BlobStore(Valid with
        {
            ServiceUrl = url, Bucket = "verity-test", KeyPrefix = "pre", Timeout = TimeSpan.FromSeconds(2), MaxRetries = 0,
        });

        var clock = Stopwatch.StartNew();
        var put = await Assert.ThrowsAsync<BlobStoreException>(() => store.PutAsync("jobs/u/run", new byte[] { 1 }));
        var get = await Assert.ThrowsAsync<BlobStoreException>(() => store.GetAsync("jobs/u/run"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");

        foreach (var e in new[] { put, get })
        {
            Assert.Contains(url, e.Message);
            Assert.Contains("'verity-test'", e.Message);
            Assert.Contains("'pre/jobs/u/run'", e.Message);
            Assert.Contains("cannot reach the server", e.Message);
        }
        Assert.StartsWith("S3 put ", put.Message);
        Assert.StartsWith("S3 get ", get.Message);
    }
}
